import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Controller, type ReconcileContext, type ReconcileResult } from '../../../src/runtime/controller.js';
import { DeadlineExceededError } from '../../../src/runtime/deadline.js';
import type { ObjectSource } from '../../../src/runtime/informer/informer.js';
import type { ObjectEvent } from '../../../src/runtime/informer/store.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { RuntimeMetrics } from '../../../src/observability/metrics.js';
import { FakeClock, settle } from './fake-clock.js';
import { captureLogger } from './helpers.js';

class FakeSource implements ObjectSource<KubeObject> {
  private readonly objects = new Map<string, KubeObject>();
  private readonly handlers = new Set<(event: ObjectEvent<KubeObject>) => void>();

  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  list(): KubeObject[] {
    return [...this.objects.values()];
  }

  subscribe(handler: (event: ObjectEvent<KubeObject>) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  change(name: string): void {
    const object = { metadata: { name } };
    this.objects.set(name, object);
    for (const handler of this.handlers) handler({ type: 'updated', object });
  }
}

type Reconcile = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult>;

function setup(reconcile: Reconcile, options: { maxConcurrentReconciles?: number } = {}) {
  const clock = new FakeClock();
  const source = new FakeSource();
  const metrics = new RuntimeMetrics();
  const log = captureLogger();
  const controller = new Controller(
    {
      name: 'test',
      for: source,
      reconciler: { reconcile },
      reconcileTimeoutMs: 1_000,
      abandonAfterMs: 500,
      backoff: { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0 },
      ...options,
    },
    { logger: log.logger, metrics, clock },
  );
  return { clock, source, metrics, log, controller };
}

async function counter(metrics: RuntimeMetrics, result: string): Promise<number> {
  const { values } = await metrics.reconcileTotal.get();
  return values.find((value) => value.labels.result === result)?.value ?? 0;
}

test('one key is never reconciled twice at once, and concurrency stays bounded', async () => {
  const active = new Map<string, number>();
  let maxActive = 0;
  let maxPerKey = 0;
  const runs: string[] = [];
  const gates: (() => void)[] = [];
  const { source, controller } = setup(
    async (key) => {
      runs.push(key);
      active.set(key, (active.get(key) ?? 0) + 1);
      maxPerKey = Math.max(maxPerKey, active.get(key) ?? 0);
      maxActive = Math.max(
        maxActive,
        [...active.values()].reduce((sum, count) => sum + count, 0),
      );
      await new Promise<void>((resolve) => gates.push(resolve));
      active.set(key, (active.get(key) ?? 1) - 1);
      return {};
    },
    { maxConcurrentReconciles: 2 },
  );
  controller.start();
  for (const name of ['a', 'b', 'c']) source.change(name);
  await settle();
  for (let i = 0; i < 50; i += 1) source.change('a');
  while (gates.length > 0) {
    gates.splice(0).forEach((open) => {
      open();
    });
    await settle();
  }
  await controller.stop(0);
  assert.equal(maxPerKey, 1);
  assert.equal(maxActive, 2);
  // a ran, its 50 changes coalesced into one more run; b and c ran once.
  assert.deepEqual([...runs].sort(), ['a', 'a', 'b', 'c']);
});

test('a reconcile that throws is logged with its key, counted, and retried with growing delays', async () => {
  let attempts = 0;
  const attemptTimes: number[] = [];
  const { clock, source, metrics, log, controller } = setup(() => {
    attempts += 1;
    attemptTimes.push(clock.now());
    return attempts <= 3 ? Promise.reject(new Error(`boom ${attempts}`)) : Promise.resolve({});
  });
  controller.start();
  source.change('a');
  await clock.advance(10_000);
  await controller.stop(0);
  assert.equal(attempts, 4);
  const gaps = attemptTimes.slice(1).map((at, i) => at - (attemptTimes[i] ?? 0));
  assert.deepEqual(gaps, [100, 200, 400]);
  assert.equal(await counter(metrics, 'error'), 3);
  assert.equal(await counter(metrics, 'success'), 1);
  const failures = log.lines().filter((line) => line.message === 'reconcile failed; will retry');
  assert.equal(failures.length, 3);
  assert.equal(failures[0]?.object, 'a');
  assert.equal(failures[0].controller, 'test');
  assert.equal(controller.queue.retries('a'), 0, 'success reset the backoff');
});

test('a reconcile that hangs hits its deadline, is aborted, and the key is retried', async () => {
  let attempts = 0;
  const { clock, source, metrics, log, controller } = setup(async (_key, { signal }) => {
    attempts += 1;
    if (attempts === 1) {
      await new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          reject(new Error('aborted'));
        });
      });
    }
    return {};
  });
  controller.start();
  source.change('a');
  await clock.advance(999);
  assert.equal(attempts, 1);
  await clock.advance(1 + 100);
  assert.equal(attempts, 2);
  await controller.stop(0);
  assert.equal(await counter(metrics, 'error'), 1);
  const failure = log.lines().find((line) => line.message === 'reconcile failed; will retry');
  assert.equal((failure?.error as { name?: string } | undefined)?.name, DeadlineExceededError.name);
});

test('a reconcile that ignores its aborted signal is abandoned after the grace period and retried', async () => {
  let attempts = 0;
  const { clock, source, log, controller } = setup(async () => {
    attempts += 1;
    if (attempts === 1) await new Promise(() => undefined);
    return {};
  });
  controller.start();
  source.change('a');
  await clock.advance(1_000 + 499);
  assert.equal(attempts, 1, 'the key is still held during the grace period');
  await clock.advance(1 + 100);
  assert.equal(attempts, 2);
  await controller.stop(0);
  assert.ok(
    log.lines().some((line) => line.message === 'reconcile ignored its aborted signal; abandoning it'),
  );
});

test('requeueAfter runs the key again after that long; a plain success does not', async () => {
  const runsAt: number[] = [];
  const { clock, source, metrics, controller } = setup(() => {
    runsAt.push(clock.now());
    return Promise.resolve(runsAt.length < 3 ? { requeueAfterMs: 30_000 } : {});
  });
  controller.start();
  source.change('a');
  await clock.advance(200_000);
  await controller.stop(0);
  const start = runsAt[0] ?? 0;
  assert.deepEqual(
    runsAt.map((at) => at - start),
    [0, 30_000, 60_000],
  );
  assert.equal(await counter(metrics, 'requeue_after'), 2);
  assert.equal(await counter(metrics, 'success'), 1);
});

test('stop lets a reconcile in flight finish within the grace period, then aborts what is left', async () => {
  let finished = false;
  let aborted = false;
  const { clock, source, controller } = setup(
    async (key, { signal }) => {
      if (key === 'quick') {
        await new Promise<void>((resolve) => clock.setTimer(resolve, 200));
        finished = true;
        return {};
      }
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      });
      return {};
    },
    { maxConcurrentReconciles: 2 },
  );
  controller.start();
  source.change('quick');
  source.change('slow');
  await settle();
  const stopped = controller.stop(500);
  await clock.advance(300);
  assert.equal(finished, true);
  assert.equal(aborted, false);
  await clock.advance(300);
  await stopped;
  assert.equal(aborted, true);
});
