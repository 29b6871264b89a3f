// `up` with a node, a pod on it, `down`: and nothing of the node is left on the machine (no container, shim,
// mount, kubepods cgroup, bridge, network namespace or iptables rule). A private environment of the test's own,
// beside the run's: two nodes at once share nothing but the kernel.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { downAll } from '../../hack/testenv/environment.js';
import { exec } from '../../hack/testenv/exec.js';
import { podNetnsFiles, shimsOf } from '../../hack/testenv/node/cleanup.js';
import { tasks } from '../../hack/testenv/node/containerd.js';
import { PAUSE_IMAGE } from '../../hack/testenv/node/images.js';
import { existingNodeLayout } from '../../hack/testenv/node/layout.js';
import { inNodeNetns } from '../../hack/testenv/node/network.js';
import { nodeLeftovers } from '../../hack/testenv/node/node.js';
import { kubectl, processesMentioning, startPrivateEnv } from '../support/testenv.js';
import { NO_NODE, nodeEnv, toleration, waitForPhase } from './support.js';

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

test(
  'down leaves nothing of a node that ran a pod',
  { skip: nodeEnv() === undefined && NO_NODE },
  async (t) => {
    const env = await startPrivateEnv(t, { kube: true, kafka: false, node: true });
    const layout = existingNodeLayout(env.stateDir);
    assert.ok(layout !== undefined, 'the node has a layout');
    const kubeconfig = env.vars().KUBECONFIG ?? '';
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'sleeper', namespace: 'default' },
      spec: {
        tolerations: [toleration(env.vars().TESTENV_NODE_TAINT ?? '')],
        containers: [
          {
            name: 'pause',
            image: PAUSE_IMAGE,
            imagePullPolicy: 'Never',
            securityContext: { runAsNonRoot: true, runAsUser: 65532, readOnlyRootFilesystem: true },
          },
        ],
      },
    };
    const created = await kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(pod), kubeconfig });
    assert.equal(created.code, 0, created.stderr);
    await waitForPhase('default', 'sleeper', ['Running'], { kubeconfig });

    // What the pod made, to look for once the node is down.
    const running = await tasks(layout);
    assert.ok(running.length >= 2, 'the pod runs its sandbox and its container');
    const netnsFiles = await podNetnsFiles(layout);
    assert.equal(netnsFiles.length, 1, 'the pod has a network namespace of its own');
    const bridge = await exec(...inNodeNetns(layout, 'ip', ['link', 'show', 'cro0']));
    assert.equal(bridge.code, 0, 'the pod network has its bridge in the node namespace');
    assert.ok(shimsOf(layout).length > 0, 'containerd runs a shim for the pod');
    const kubepods = `/sys/fs/cgroup/memory${layout.cgroupRoot}/kubepods`;
    assert.ok(existsSync(kubepods), `the kubelet made ${kubepods}`);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    assert.ok(mounts.includes(`${layout.dir}/`), 'the pod has mounts under the node folder');

    const stopped = await downAll(env.stateDir);
    for (const name of ['kubelet', 'kube-proxy', 'containerd', 'kube-apiserver', 'etcd'])
      assert.ok(
        stopped.some((entry) => entry.startsWith(`${name} `)),
        `down stopped ${name}: ${stopped.join(', ')}`,
      );

    assert.deepEqual(
      await nodeLeftovers(env.stateDir),
      [],
      'down leaves no process, shim, cgroup, mount or rule',
    );
    assert.deepEqual(
      running.filter((task) => alive(task.pid)),
      [],
      'no container process outlives down',
    );
    assert.deepEqual(
      netnsFiles.filter((file) => existsSync(file)),
      [],
      "the pod's network namespace is gone",
    );
    assert.equal(
      existsSync(`/run/netns/${layout.netns}`),
      false,
      "the node's network namespace (and its bridge) is gone",
    );
    assert.equal(existsSync(kubepods), false, 'no kubepods cgroup is left');
    assert.doesNotMatch(
      readFileSync('/proc/self/mountinfo', 'utf8'),
      new RegExp(layout.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    );
    const nat = await exec('iptables-save', ['-t', 'nat']);
    assert.doesNotMatch(
      nat.stdout,
      new RegExp(`${layout.hostChain}|${layout.hostVeth}`),
      'no iptables rule of ours is left',
    );
    assert.equal(
      (await exec('ip', ['link', 'show', layout.hostVeth])).code,
      1,
      'the link to the node is gone',
    );
    assert.deepEqual(processesMentioning(env.stateDir), [], 'no process of the environment is left');
  },
);
