// An object the CRD would not admit (stored before a rule was tightened, say) reaches the reconciler anyway: the
// operator checks every object it reads with its own schemas, and one that fails is reported, not acted on. Its
// Ready condition says InvalidSpec and names each bad field, nothing goes to Kafka, and the reconcile completes
// (a thrown error would only be retried with backoff, to the same answer). The reconciler runs against a local
// API server and the producer pool over the scripted kafkajs stand-in.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  ConditionReason,
  ConditionType,
  FINALIZER,
  type ClusterRegistrationStatus,
} from '../../../src/api/index.js';
import { ProducerPool } from '../../../src/kafka/index.js';
import { registrationType } from '../../../src/operator/operator.js';
import { ClaimIndex } from '../../../src/registration/claims.js';
import type { Secret } from '../../../src/registration/credentials.js';
import { RegistrationReconciler } from '../../../src/registration/reconciler.js';
import { ParsedRegistrations } from '../../../src/registration/registrations.js';
import { TopicCheck } from '../../../src/registration/topic-check.js';
import {
  ResourceApi,
  type EventInput,
  type JsonPatchOperation,
  type KubeObject,
  type ObjectSource,
} from '../../../src/runtime/index.js';
import { brokenManifest, malformedCases, minimalManifest, type Manifest } from '../api/fixtures/manifests.js';
import { FakeKafka } from '../kafka/fake-kafka.js';
import { captureLogger } from '../runtime/helpers.js';
import { localApiServer, sendJson } from '../../support/local-api-server.js';

const STATUS_PATH = (name: string) => `/apis/registry.kgroot.io/v1alpha1/clusterregistrations/${name}/status`;

/** The reconciler with its collaborators: objects in a cache, writes to a local API server, Kafka scripted. */
async function setup(t: TestContext) {
  const objects = new Map<string, KubeObject>();
  const raw: ObjectSource<KubeObject> = {
    get: (key) => objects.get(key),
    list: () => [...objects.values()],
    subscribe: () => () => undefined,
  };
  let resourceVersion = 1_000;
  // Applies the two writes the reconciler makes (finalizer JSON patch, status merge patch), as the API server
  // would; the cache sees the result at once, as if the watch had delivered it.
  const { client, requests } = await localApiServer(t, (request, response) => {
    const name = /\/clusterregistrations\/([^/]+)/.exec(request.path)?.[1] ?? '';
    const stored = objects.get(name);
    if (request.method !== 'PATCH' || stored === undefined) {
      sendJson(response, 404, { kind: 'Status', code: 404, reason: 'NotFound' });
      return;
    }
    resourceVersion += 1;
    const updated = structuredClone(stored) as KubeObject & { status?: unknown };
    updated.metadata.resourceVersion = String(resourceVersion);
    if (request.path.endsWith('/status')) {
      updated.status = (request.body as { status?: unknown }).status;
    } else {
      for (const op of request.body as JsonPatchOperation[]) {
        if (op.op === 'add' && op.path === '/metadata/finalizers')
          updated.metadata.finalizers = op.value as string[];
        if (op.op === 'add' && op.path === '/metadata/finalizers/-')
          updated.metadata.finalizers = [...(updated.metadata.finalizers ?? []), op.value as string];
      }
    }
    objects.set(name, updated);
    sendJson(response, 200, updated);
  });
  const kafka = new FakeKafka();
  const pool = new ProducerPool({ createClient: kafka.create, closeGraceMs: 50, defaultDeadlineMs: 5_000 });
  t.after(() => pool.closeAll());
  const events: EventInput[] = [];
  const secrets: ObjectSource<Secret> = {
    get: () => undefined,
    list: () => [],
    subscribe: () => () => undefined,
  };
  const registrations = new ParsedRegistrations(raw);
  const reconciler = new RegistrationReconciler(
    {
      namespace: 'cluster-registry-system',
      operatorVersion: '0.0.0-test',
      sendTimeoutMs: 5_000,
      heartbeatStatusPeriodMs: 60_000,
    },
    {
      registrations,
      secrets,
      api: new ResourceApi<KubeObject>(client, registrationType),
      kafka: pool,
      topics: new TopicCheck({ createTopics: false }),
      facts: {
        read: () =>
          Promise.resolve({
            clusterUid: 'cluster-uid',
            kubernetesVersion: 'v1.31.0',
            nodeCount: 3,
            region: 'eu-west-1',
          }),
      },
      claims: new ClaimIndex(registrations),
      events: { event: (_object, input) => events.push(input) },
    },
  );
  const ctx = { signal: new AbortController().signal, log: captureLogger().logger, retries: 0 };
  return {
    /** Stores the manifest as the API server would have it and reconciles it. */
    apply: (manifest: Manifest) => {
      const object = manifest as unknown as KubeObject;
      const { name } = object.metadata;
      Object.assign(object.metadata, { uid: `uid-${name}`, generation: 1, resourceVersion: '1' });
      objects.set(name, object);
      return reconciler.reconcile(name, ctx);
    },
    reconcile: (name: string) => reconciler.reconcile(name, ctx),
    /** The object as the API server has it now. */
    stored: (name: string) => objects.get(name),
    requests,
    /** Every record any producer was asked to send. */
    sent: () => kafka.producers().flatMap((producer) => producer.sent),
    kafka,
    events,
  };
}

function readyOf(status: unknown) {
  const conditions = (status as ClusterRegistrationStatus | undefined)?.conditions ?? [];
  return conditions.find((condition) => condition.type === ConditionType.Ready);
}

function breaking(...names: string[]): Manifest {
  const cases = names.map((name) => {
    const found = malformedCases.find((c) => c.name === name);
    assert.ok(found !== undefined, `no malformed case named ${name}`);
    return found;
  });
  const [first, ...rest] = cases;
  assert.ok(first !== undefined);
  const manifest = brokenManifest(first, 'bad');
  for (const c of rest) c.breakIt(manifest);
  return manifest;
}

test('an invalid object gets Ready=False/InvalidSpec naming each bad field, and nothing is sent to Kafka', async (t) => {
  const h = await setup(t);
  const result = await h.apply(breaking('a broker without a port', 'a wrong type (suspend: "yes")'));

  assert.deepEqual(
    result,
    {},
    'done: no error to retry, no periodic run (a fixed spec brings a watch event)',
  );
  // Its only write is status: no finalizer, so nothing holds up deleting an object that never registered.
  assert.deepEqual(
    h.requests.map((request) => `${request.method} ${request.path}`),
    [`PATCH ${STATUS_PATH('bad')}`],
  );
  const [write] = h.requests;
  assert.equal(write?.contentType, 'application/merge-patch+json');
  const { status } = write.body as { status: ClusterRegistrationStatus };
  const ready = readyOf(status);
  assert.equal(ready?.status, 'False');
  assert.equal(ready.reason, ConditionReason.InvalidSpec);
  assert.match(ready.message, /spec\.kafka\.brokers\[0\]/);
  assert.match(ready.message, /spec\.suspend/);
  assert.equal(status.observedGeneration, 1);

  assert.deepEqual(h.sent(), [], 'no record published');
  assert.equal(h.kafka.clients.length, 0, 'no Kafka client even created');

  // Run again on the object as written: the status already says it, so nothing more is written or sent.
  assert.deepEqual(await h.reconcile('bad'), {});
  assert.equal(h.requests.length, 1);
  assert.deepEqual(h.sent(), []);
});

test('every malformed case of the shared table is reported by field, never sent, never thrown', async (t) => {
  for (const c of malformedCases.filter((candidate) => candidate.onUpdate !== true)) {
    await t.test(c.name, async (t) => {
      const h = await setup(t);
      assert.deepEqual(await h.apply(brokenManifest(c, 'bad')), {});
      const ready = readyOf((h.requests.at(-1)?.body as { status?: unknown } | undefined)?.status);
      assert.equal(ready?.reason, ConditionReason.InvalidSpec);
      assert.ok(ready.message.includes(c.field), `"${ready.message}" does not name ${c.field}`);
      assert.deepEqual(h.sent(), []);
      assert.equal(h.kafka.clients.length, 0);
    });
  }
});

// The control: the same setup sends a record for a valid object, so the assertions above can fail.
test('a valid object in the same setup is registered: finalizer first, then the record', async (t) => {
  const h = await setup(t);
  // Adding the finalizer ends the first run; the write's watch event brings the second.
  assert.deepEqual(await h.apply(minimalManifest('good')), {});
  assert.equal(h.requests.length, 1);
  const [finalizer] = h.requests;
  assert.equal(finalizer?.contentType, 'application/json-patch+json');
  assert.deepEqual(h.stored('good')?.metadata.finalizers, [FINALIZER]);
  assert.deepEqual(h.sent(), [], 'nothing sent before the finalizer is stored');
  const result = await h.reconcile('good');
  assert.ok(result.requeueAfterMs !== undefined, 'scheduled for its next heartbeat or re-assertion');
  assert.ok(h.sent().some((record) => record.topic === 'cluster.registry'));
  const ready = readyOf((h.requests.at(-1)?.body as { status?: unknown } | undefined)?.status);
  assert.equal(ready?.status, 'True');
});

// Conditions carry the generation they describe: once the spec turns invalid, none may still claim that the
// object is registered or heart-beating, since nothing is sent for it any more.
test('a registered object whose spec turns invalid: every condition says InvalidSpec', async (t) => {
  const h = await setup(t);
  await h.apply(minimalManifest('turned'));
  await h.reconcile('turned');
  assert.ok(h.sent().length > 0, 'registered first');
  const stored = h.stored('turned') as KubeObject & { spec: { kafka: { brokers: string[] } } };
  stored.spec.kafka.brokers = ['no-port'];
  stored.metadata.generation = 2;
  const sentBefore = h.sent().length;
  await h.reconcile('turned');
  const status = (h.stored('turned') as { status?: ClusterRegistrationStatus }).status;
  for (const type of [ConditionType.Ready, ConditionType.Registered, ConditionType.Heartbeating]) {
    const condition = status?.conditions?.find((c) => c.type === type);
    assert.equal(condition?.status, 'False', `${type}: ${JSON.stringify(condition)}`);
    assert.equal(condition.reason, ConditionReason.InvalidSpec, type);
    assert.equal(condition.observedGeneration, 2, type);
  }
  assert.equal(h.sent().length, sentBefore, 'nothing sent for the invalid generation');
});
