// The operator's image on the node: run in a pod of a namespace that enforces the restricted Pod Security profile
// (the image's own user, 65532, on a read-only root), and installed by the chart with a registration, where the
// operator's pod becomes Running and Ready (its probes answer, over the pod network), reaches the API server
// through the `kubernetes` Service with its projected token, and registers the cluster: an independent consumer
// reads the record from the topic. The image is built here (hack/image) and imported, never pulled.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildOperatorImage, operatorVersion } from '../../hack/image/operator.js';
import { importImage } from '../../hack/testenv/node/containerd.js';
import { createRestrictedNamespace, chartDir } from '../integration/chart/support.js';
import { RecordTail } from '../support/kafka-records.js';
import { helm, kubectl, requireKafkaBrokers, uniqueName } from '../support/testenv.js';
import { NO_NODE, nodeEnv, toleration, waitForPhase, type NodeEnv } from './support.js';

const node = nodeEnv();
const skip = node === undefined && NO_NODE;

let imported: Promise<{ repository: string; tag: string; reference: string }> | undefined;

/** The operator's image, built once for this file and imported into the node's containerd. */
function operatorImage(env: NodeEnv) {
  imported ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cro-node-image-'));
    try {
      const built = await buildOperatorImage(dir);
      await importImage(env.containerdAddress, built.archive);
      const at = built.reference.lastIndexOf(':');
      return {
        repository: built.reference.slice(0, at),
        tag: built.reference.slice(at + 1),
        reference: built.reference,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return imported;
}

const restrictedContainer = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

// What the process sees, printed by the image's own node: no shell in the image to ask.
const IDENTITY = `const fs = require('node:fs');
let root = 'writable';
try { fs.writeFileSync('/probe', 'x'); } catch (error) { root = error.code; }
console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), root }));`;

test(
  'the image runs in a pod of a namespace that enforces restricted: uid 65532, read-only root',
  { skip },
  async (t) => {
    if (node === undefined) return;
    const image = await operatorImage(node);
    const namespace = uniqueName('restricted');
    await createRestrictedNamespace(t, namespace);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'operator-image', namespace },
      spec: {
        restartPolicy: 'Never',
        tolerations: [toleration(node.taint)],
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'version',
            image: image.reference,
            imagePullPolicy: 'IfNotPresent',
            args: ['--version'],
            securityContext: restrictedContainer,
          },
          {
            name: 'identity',
            image: image.reference,
            imagePullPolicy: 'IfNotPresent',
            command: ['/nodejs/bin/node', '-e', IDENTITY],
            securityContext: restrictedContainer,
          },
        ],
      },
    };
    const created = await kubectl(['create', '-f', '-'], { stdin: JSON.stringify(pod) });
    assert.equal(created.code, 0, created.stderr);
    assert.doesNotMatch(created.stderr, /violate PodSecurity/, 'the pod meets the restricted profile');
    const status = await waitForPhase(namespace, 'operator-image', ['Succeeded', 'Failed']);
    const logs = async (container: string) => {
      const got = await kubectl(['logs', 'operator-image', '-n', namespace, '-c', container]);
      assert.equal(got.code, 0, got.stderr);
      return got.stdout.trim();
    };
    const version = await logs('version');
    const identity = await logs('identity');
    assert.equal(status.phase, 'Succeeded', `version: ${version}\nidentity: ${identity}`);
    assert.equal(version, operatorVersion);
    assert.deepEqual(JSON.parse(identity), { uid: 65532, gid: 65532, root: 'EROFS' });
  },
);

interface PodList {
  items: {
    metadata: { name: string };
    spec: { nodeName?: string; containers: { livenessProbe?: unknown; readinessProbe?: unknown }[] };
    status: PodStatusFields;
  }[];
}
interface PodStatusFields {
  phase?: string;
  conditions?: { type: string; status: string }[];
  containerStatuses?: { ready: boolean; restartCount: number }[];
}

test(
  'helm install on the node: the operator pod Running and Ready, the registration Ready=True, its record in the topic',
  { skip },
  async (t) => {
    if (node === undefined) return;
    const image = await operatorImage(node);
    const release = uniqueName('cro');
    const namespace = uniqueName('cro-node');
    const clientId = uniqueName('node-test');
    await createRestrictedNamespace(t, namespace);
    const tail = await RecordTail.start(t, requireKafkaBrokers(), ['cluster.registry']);
    const tolerate = toleration(node.taint);
    const values = [
      `image.repository=${image.repository}`,
      `image.tag=${image.tag}`,
      'image.pullPolicy=IfNotPresent',
      `tolerations[0].key=${tolerate.key}`,
      'tolerations[0].operator=Exists',
      `tolerations[0].effect=${tolerate.effect}`,
      `registration.clientId=${clientId}`,
      `registration.kafka.brokers={${node.podBrokers}}`,
    ].flatMap((value) => ['--set', value]);
    t.after(async () => {
      // The pre-delete hook's Job runs on the node too; should it fail, the release goes without it.
      const uninstalled = await helm(['uninstall', release, '-n', namespace, '--wait', '--timeout=120s']);
      if (uninstalled.code !== 0)
        await helm(['uninstall', release, '-n', namespace, '--no-hooks', '--ignore-not-found']);
    });
    const installed = await helm([
      'install',
      release,
      chartDir,
      '-n',
      namespace,
      ...values,
      '--wait',
      '--timeout=180s',
    ]);
    assert.equal(
      installed.code,
      0,
      `${installed.stderr}\n${(await kubectl(['describe', 'pods', '-n', namespace])).stdout}`,
    );

    const pods = await kubectl([
      'get',
      'pods',
      '-n',
      namespace,
      '-l',
      `app.kubernetes.io/instance=${release},app.kubernetes.io/component!=uninstall-hook`,
      '-o',
      'json',
    ]);
    assert.equal(pods.code, 0, pods.stderr);
    const [pod] = (JSON.parse(pods.stdout) as PodList).items;
    assert.ok(pod !== undefined, 'the Deployment has a pod');
    assert.equal(pod.spec.nodeName, node.nodeName);
    assert.equal(pod.status.phase, 'Running');
    assert.equal(
      pod.status.conditions?.find((c) => c.type === 'Ready')?.status,
      'True',
      'the readiness probe answers',
    );
    assert.ok(
      pod.spec.containers[0]?.livenessProbe !== undefined &&
        pod.spec.containers[0].readinessProbe !== undefined,
    );
    assert.equal(pod.status.containerStatuses?.[0]?.restartCount, 0, 'the liveness probe never failed');

    const ready = await kubectl([
      'wait',
      '--for=condition=Ready=True',
      `clusterregistrations.registry.kgroot.io/${clientId}`,
      '--timeout=120s',
    ]);
    assert.equal(
      ready.code,
      0,
      `${ready.stderr}\n${(await kubectl(['logs', pod.metadata.name, '-n', namespace])).stdout}`,
    );
    const record = await tail.waitFor(
      'the registration record',
      (r) => r.key === clientId && r.value !== null,
      { timeoutMs: 60_000 },
    );
    const value = JSON.parse(record.value ?? '') as {
      client_id?: string;
      metadata?: { namespace?: string; release_name?: string };
    };
    assert.equal(value.client_id, clientId);
  },
);
