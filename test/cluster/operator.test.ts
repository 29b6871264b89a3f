// The operator's image on the node: run in a pod of a namespace that enforces the restricted Pod Security profile
// (the image's own user, 65532, on a read-only root), and installed by the chart with a registration, where the
// operator's pod becomes Running and Ready (its probes answer, over the pod network), reaches the API server
// through the `kubernetes` Service with its projected token, and registers the cluster: an independent consumer
// reads the record from the topic. The image is built here (hack/image) and imported, never pulled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { operatorVersion } from '../../hack/image/operator.js';
import { createRestrictedNamespace } from '../integration/chart/support.js';
import { RecordTail } from '../support/kafka-records.js';
import { kubectl, requireKafkaBrokers, uniqueName } from '../support/testenv.js';
import {
  describeRelease,
  installRelease,
  isReady,
  NO_NODE,
  nodeEnv,
  operatorImage,
  operatorPods,
  toleration,
  waitForPhase,
} from './support.js';

const node = nodeEnv();
const skip = node === undefined && NO_NODE;

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
    // The control: the namespace does enforce the profile.
    const bare = {
      ...pod,
      metadata: { name: 'bare', namespace },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    };
    const rejected = await kubectl(['create', '--dry-run=server', '-f', '-'], {
      stdin: JSON.stringify(bare),
    });
    assert.notEqual(rejected.code, 0);
    assert.match(rejected.stderr, /violates PodSecurity "restricted/);
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

test(
  'helm install on the node: the operator pod Running and Ready, the registration Ready=True, its record in the topic',
  { skip },
  async (t) => {
    if (node === undefined) return;
    const tail = await RecordTail.start(t, requireKafkaBrokers(), ['cluster.registry']);
    const release = await installRelease(t, node);
    const [pod, ...others] = await operatorPods(release);
    assert.ok(pod !== undefined, 'the Deployment has a pod');
    assert.equal(others.length, 0);
    assert.equal(pod.spec.nodeName, node.nodeName);
    assert.equal(pod.status.phase, 'Running');
    assert.ok(isReady(pod), 'the readiness probe answers');
    assert.ok(
      pod.spec.containers[0]?.livenessProbe !== undefined &&
        pod.spec.containers[0].readinessProbe !== undefined,
    );
    assert.equal(pod.status.containerStatuses?.[0]?.restartCount, 0, 'the liveness probe never failed');

    const { clientId } = release;
    const ready = await kubectl([
      'wait',
      '--for=condition=Ready=True',
      `clusterregistrations.registry.kgroot.io/${clientId}`,
      '--timeout=120s',
    ]);
    assert.equal(ready.code, 0, `${ready.stderr}\n${await describeRelease(release)}`);
    const record = await tail.waitFor(
      'the registration record',
      (r) => r.key === clientId && r.value !== null,
      { timeoutMs: 60_000 },
    );
    const value = JSON.parse(record.value ?? '') as { client_id?: string };
    assert.equal(value.client_id, clientId);
  },
);
