import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, run } from './exec.js';
import { provisionImageTools } from './image-tools.js';
import { buildOnce, builtName, inputsHash, isBuilt } from './cache.js';
import { cacheRoot, repoRoot } from './paths.js';
import { nodeDir } from './node.js';
import { progress, step } from './progress.js';
import { kafkaReleases, kafkaVersion, kafkaVersions, versions, type KafkaVersion } from './versions.js';

/** Where the provisioned tools are. */
export interface Toolchain {
  kubeApiserver: string;
  kubectl: string;
  etcd: string;
  helm: string;
  /** Folder of the Kafka broker's jars (the classpath). */
  kafkaLibs: string;
  /** The pinned Node that runs the tests and the bundle (versions.node). */
  node: string;
  /** The Kubernetes node's components (hack/testenv/node), built from the same module as kube-apiserver. */
  kubeNode: { kubelet: string; kubeControllerManager: string; kubeScheduler: string; kubeProxy: string };
}

interface Component {
  /** Cache folder name; carries the version so a version change builds afresh. */
  dir: string;
  needs: 'go' | 'mvn';
  build: (out: string) => Promise<void>;
}

const kubeVersionFlags = (() => {
  const [major, minor] = versions.kubernetes.replace(/^v/, '').split('.');
  const flags: string[] = [];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${versions.kubernetes}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
    );
    flags.push(`-X ${pkg}.gitTreeState=clean`);
  }
  return flags.join(' ');
})();

/** Builds commands of the pinned k8s.io/kubernetes module (hack/tools/kubernetes) into a folder. */
async function buildKubernetes(out: string, commands: string[]): Promise<void> {
  await run(
    'go',
    [
      'build',
      '-trimpath',
      '-ldflags',
      `-s -w ${kubeVersionFlags}`,
      '-o',
      `${out}/`,
      ...commands.map((command) => `k8s.io/kubernetes/cmd/${command}`),
    ],
    { cwd: join(repoRoot, 'hack/tools/kubernetes'), echo: true },
  );
}

const NODE_COMMANDS = ['kubelet', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'];

const components: Record<'kubernetes' | 'kubernetesNode' | 'etcd' | 'helm', Component> = {
  kubernetes: {
    dir: `kubernetes-${versions.kubernetes}`,
    needs: 'go',
    build: (out) => buildKubernetes(out, ['kube-apiserver', 'kubectl']),
  },
  // A folder of its own: the control plane's folder stays as it was built, and the node builds on its own.
  kubernetesNode: {
    dir: `kubernetes-node-${versions.kubernetes}`,
    needs: 'go',
    build: (out) => buildKubernetes(out, NODE_COMMANDS),
  },
  etcd: {
    dir: `etcd-${versions.etcd}`,
    needs: 'go',
    build: async (out) => {
      await run('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(out, 'etcd'), '.'], {
        cwd: join(repoRoot, 'hack/tools/etcd'),
        echo: true,
      });
    },
  },
  helm: {
    dir: `helm-${versions.helm}`,
    needs: 'go',
    build: async (out) => {
      // Helm's module has no replace directives, so `go install pkg@version` builds it as released.
      await run(
        'go',
        [
          'install',
          '-trimpath',
          '-ldflags',
          `-s -w -X helm.sh/helm/v3/internal/version.version=${versions.helm}`,
          `helm.sh/helm/v3/cmd/helm@${versions.helm}`,
        ],
        { cwd: out, env: { ...process.env, GOBIN: out }, echo: true },
      );
    },
  },
};

/**
 * One broker version's jars, with the slf4j binding of its line; each version has a cache folder of its own, named
 * with the pom's hash too, so that a jar added to the pom means a new folder.
 */
function kafkaComponent(version: KafkaVersion): Component {
  const binding = kafkaReleases[version].slf4jBinding;
  const pom = join(repoRoot, 'hack/tools/kafka/pom.xml');
  return {
    dir: `kafka-${version}-${inputsHash([readFileSync(pom)])}`,
    needs: 'mvn',
    build: async (out) => {
      await run(
        'mvn',
        [
          '-q',
          '-B',
          '-f',
          pom,
          'dependency:copy-dependencies',
          '-DincludeScope=runtime',
          `-Dkafka.version=${version}`,
          `-Dslf4j.binding.groupId=${binding.groupId}`,
          `-Dslf4j.binding.artifactId=${binding.artifactId}`,
          `-Dslf4j.binding.version=${binding.version}`,
          `-DoutputDirectory=${join(out, 'libs')}`,
        ],
        { echo: true },
      );
    },
  };
}

const installHints: Record<string, string> = {
  go: 'Go 1.24 or newer (https://go.dev/dl/, or `apt-get install golang`)',
  java: 'a Java 17+ runtime (`apt-get install openjdk-17-jre-headless`)',
  mvn: 'Apache Maven (`apt-get install maven`)',
  openssl: 'OpenSSL (`apt-get install openssl`)',
};

async function has(command: string): Promise<boolean> {
  const result = await exec('sh', ['-c', `command -v ${command}`]);
  return result.code === 0;
}

/** Fails at once, naming what to install, when a tool the next steps need is missing. */
export async function requireTools(tools: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const tool of tools) if (!(await has(tool))) missing.push(tool);
  if (missing.length > 0) {
    throw new Error(
      `testenv needs ${missing.join(', ')} on PATH. Install:\n` +
        missing.map((tool) => `  - ${tool}: ${installHints[tool] ?? tool}`).join('\n'),
    );
  }
}

/**
 * Builds every missing component into the cache, at its pinned version. Go builds run one after another (two
 * cores), the Maven download beside them. Warm, this only checks the stamps.
 */
export async function provision(kafka: KafkaVersion = kafkaVersion()): Promise<Toolchain> {
  const root = cacheRoot();
  const wanted = { ...components, kafka: kafkaComponent(kafka) };
  const pending = Object.entries(wanted).filter(([, c]) => !isBuilt(join(root, c.dir)));
  if (pending.length > 0) {
    const tools = new Set<string>(['java', 'openssl']);
    for (const [, c] of pending) tools.add(c.needs);
    await requireTools([...tools]);
    progress(
      `building ${pending.map(([name]) => name).join(', ')} into ${root} (first run only; ~12 min on 2 cores)`,
    );
  }
  const buildOne = async ([name, c]: [string, Component]): Promise<void> => {
    await step(`build ${name} ${c.dir}`, () => buildOnce(join(root, c.dir), c.build));
  };
  const goBuilds = pending.filter(([, c]) => c.needs === 'go');
  const mvnBuilds = pending.filter(([, c]) => c.needs === 'mvn');
  await Promise.all([
    (async () => {
      for (const b of goBuilds) await buildOne(b);
    })(),
    Promise.all(mvnBuilds.map(buildOne)),
  ]);
  await requireTools(['java', 'openssl']);
  const { node } = await provisionImageTools();
  return {
    kubeApiserver: join(root, components.kubernetes.dir, 'kube-apiserver'),
    kubectl: join(root, components.kubernetes.dir, 'kubectl'),
    etcd: join(root, components.etcd.dir, 'etcd'),
    helm: join(root, components.helm.dir, 'helm'),
    kafkaLibs: join(root, wanted.kafka.dir, 'libs'),
    node,
    kubeNode: {
      kubelet: join(root, components.kubernetesNode.dir, 'kubelet'),
      kubeControllerManager: join(root, components.kubernetesNode.dir, 'kube-controller-manager'),
      kubeScheduler: join(root, components.kubernetesNode.dir, 'kube-scheduler'),
      kubeProxy: join(root, components.kubernetesNode.dir, 'kube-proxy'),
    },
  };
}

/** The stamp records the folder's own name; reading it is how `status` tells what is cached. */
export function cachedComponents(): string[] {
  return [...Object.values(components), ...kafkaVersions.map(kafkaComponent)]
    .map((c) => join(cacheRoot(), c.dir))
    .concat(nodeDir())
    .filter((dir) => isBuilt(dir))
    .map(builtName);
}
