// Heartbeats are Kafka records, not API writes: status.lastHeartbeatTime moves at most once per
// --heartbeat-status-period, however often the heartbeats go out, and it does move once the period has passed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordTail } from '../support/kafka-records.js';
import { kubectl, requireKafkaBrokers } from '../support/testenv.js';
import { startOperator } from './support/operator.js';
import { apply, newScope, ready, registration, RESOURCE, until } from './support/registrations.js';

const HEARTBEAT = 'cluster.heartbeat';
const PERIOD_S = 20;
/** Long enough for at least two moves of lastHeartbeatTime (each at most a period and a beat after the last). */
const WINDOW_S = 70;

test('lastHeartbeatTime is written at most once per --heartbeat-status-period while heartbeats go out every 5s', async (t) => {
  const brokers = requireKafkaBrokers();
  const scope = await newScope(t, 'hbstatus');
  const tail = await RecordTail.start(t, brokers, [HEARTBEAT]);
  const operator = startOperator(t, { ...scope, args: ['--heartbeat-status-period', `${PERIOD_S}s`] });
  const manifest = registration(scope, { kafka: { brokers: [brokers] }, heartbeat: { interval: '5s' } });
  const { name } = manifest.metadata;
  await apply(manifest);
  await until(
    'Ready with a lastHeartbeatTime',
    name,
    (o) => ready('True', 'Registered')(o) && typeof o.status.lastHeartbeatTime === 'string',
    { operator },
  );

  // Every write to the object in the window, as a watch delivers it (none is missed, unlike polling).
  const start = Date.now();
  const watched = await kubectl([
    'get',
    RESOURCE,
    name,
    '--watch',
    `--request-timeout=${WINDOW_S}s`,
    '-o',
    'jsonpath={.metadata.resourceVersion}{" "}{.status.lastHeartbeatTime}{"\\n"}',
  ]);
  const end = Date.now();
  assert.equal(watched.code, 0, watched.stderr);
  const seen = watched.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [resourceVersion = '', lastHeartbeatTime = ''] = line.split(' ');
      return { resourceVersion, lastHeartbeatTime };
    });
  const versions = distinct(seen.map((s) => s.resourceVersion));
  const times = distinct(seen.map((s) => s.lastHeartbeatTime));
  const beats = tail.of(HEARTBEAT, name).filter((r) => r.timestamp >= start && r.timestamp <= end);
  const summary = `${beats.length} heartbeats, writes ${JSON.stringify(seen)}`;
  t.diagnostic(summary);

  // 5s ±10%: at least 12 beats in 70 s; comfortably more than 10.
  assert.ok(beats.length >= 10, `several heartbeats were sent: ${summary}`);
  // It moves forward after the period: within a period and a beat, so at least twice in the window...
  assert.ok(times.length >= 3, `lastHeartbeatTime moved at least twice: ${summary}`);
  // ...and never sooner than a period after the time it replaces.
  for (let i = 1; i < times.length; i++) {
    const gap = Date.parse(times[i] ?? '') - Date.parse(times[i - 1] ?? '');
    assert.ok(gap >= PERIOD_S * 1_000, `lastHeartbeatTime moved after ${gap} ms: ${summary}`);
  }
  // Each value is the acknowledgement of a heartbeat that was sent (whole seconds, so within a second or two).
  for (const time of times.slice(1)) {
    assert.ok(
      beats.some((beat) => Math.abs(beat.timestamp - Date.parse(time)) < 2_000),
      `${time} is the time of a heartbeat: ${summary}`,
    );
  }
  // Status is not written per beat: every write of the object in the window was a move of lastHeartbeatTime.
  assert.equal(versions.length - 1, times.length - 1, `one write per move: ${summary}`);
  assert.ok(2 * (versions.length - 1) < beats.length, `far fewer writes than heartbeats: ${summary}`);
});

/** The values in order, each run of repeats as one. */
function distinct(values: string[]): string[] {
  return values.filter((value, i) => i === 0 || value !== values[i - 1]);
}
