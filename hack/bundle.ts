// `npm run bundle`: the whole CLI (operator, `crd`, `uninstall-hook`) and its dependencies in one ESM file,
// dist/bundle/cluster-registry-operator.mjs, which runs with plain `node` and no node_modules. The image ships
// only this file on a Node base (see Dockerfile), so its size is the image's size beyond the base.
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';
import { repoRoot } from './testenv/paths.js';

export const BUNDLE_FILE = join(repoRoot, 'dist', 'bundle', 'cluster-registry-operator.mjs');

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };

/** winston and kafkajs are CommonJS and `require()` Node's built-ins, which an ES module must be given. */
const REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * client-node's config module imports its generated API clients (`gen/`, thousands of models, most of the
 * operator's memory) only for makeApiClient(), which the operator never calls: it authenticates requests with
 * applyToHTTPSOptions(). The bundle gets a stub that fails loudly if that ever changes.
 */
const withoutGeneratedApi: Plugin = {
  name: 'without-generated-kubernetes-api',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) =>
      args.importer.includes('@kubernetes/client-node')
        ? { path: 'gen', namespace: 'kube-gen-stub' }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'kube-gen-stub' }, () => ({
      contents: [
        'const missing = () => { throw new Error("client-node API clients are not in this bundle"); };',
        'export const createConfiguration = missing;',
        'export class ServerConfiguration { constructor() { missing(); } }',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/** The packages that weigh the most, from esbuild's metafile: where to look when the bundle grows. */
function heaviestPackages(metafile: Metafile, count: number): string[] {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match?.[1] ?? '(our sources)';
      bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, size]) => `${name} ${(size / 1024).toFixed(0)} KiB`);
}

/** Tests bundle into a folder of their own, so that they never replace a file another process is running. */
export async function bundle(
  outfile: string = BUNDLE_FILE,
): Promise<{ bytes: number; gzipBytes: number; heaviest: string[] }> {
  const result = await build({
    entryPoints: [join(repoRoot, 'src', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    // Licence comments of the bundled packages go to the end of the file, as their licences ask.
    legalComments: 'eof',
    banner: { js: REQUIRE_BANNER },
    // src/version.ts reads package.json unless this is defined; the bundle has no package.json beside it.
    define: { OPERATOR_VERSION: JSON.stringify(pkg.version) },
    metafile: true,
    plugins: [withoutGeneratedApi],
    logLevel: 'warning',
  });
  const bytes = statSync(outfile).size;
  const gzipBytes = gzipSync(readFileSync(outfile)).length;
  return { bytes, gzipBytes, heaviest: heaviestPackages(result.metafile, 6) };
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const { bytes, gzipBytes, heaviest } = await bundle();
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
  process.stdout.write(
    `wrote ${relative(repoRoot, BUNDLE_FILE)}: ${mib(bytes)} (${mib(gzipBytes)} gzipped)\n` +
      `heaviest: ${heaviest.join(', ')}\n`,
  );
}
