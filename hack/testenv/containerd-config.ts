// containerd's config.toml for both containerds of ours (the node's, and the private one that checks images):
// root, state and sockets under a folder of our own, never the system's /run/containerd; plus what each adds.
export interface ContainerdConfig {
  root: string;
  state: string;
  /** The gRPC socket; the ttrpc one sits beside it. */
  address: string;
  /** The debug socket, or none. */
  debugAddress?: string;
  disabledPlugins: readonly string[];
  /** Further TOML, already formatted (the CRI plugin's tables, say). */
  extra?: readonly string[];
}

export function containerdConfigToml(c: ContainerdConfig): string {
  return [
    'version = 2',
    `root = "${c.root}"`,
    `state = "${c.state}"`,
    `disabled_plugins = [${c.disabledPlugins.map((p) => `"${p}"`).join(', ')}]`,
    '[grpc]',
    `  address = "${c.address}"`,
    '[ttrpc]',
    `  address = "${c.address}.ttrpc"`,
    '[debug]',
    `  address = "${c.debugAddress ?? ''}"`,
    ...(c.extra ?? []),
    '',
  ].join('\n');
}
