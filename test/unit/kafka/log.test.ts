import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import kafkajs, { type logLevel } from 'kafkajs';
import { ErrorTrail, kafkaLogCreator, type KafkaLogger } from '../../../src/kafka/log.js';
import { createLogger } from '../../../src/observability/logger.js';

interface Line {
  level: keyof KafkaLogger;
  message: string;
  meta: Record<string, unknown> | undefined;
}

function recorder(): { logger: KafkaLogger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: keyof KafkaLogger) =>
    (message: string, meta?: Record<string, unknown>): void => {
      lines.push({ level, message, meta });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

function emit(logCreator: ReturnType<typeof kafkaLogCreator>, level: logLevel, message: string): void {
  logCreator(level)({
    namespace: 'Connection',
    level,
    label: 'X',
    log: { timestamp: '2026-01-01T00:00:00.000Z', message, broker: 'b:1', logger: 'kafkajs' },
  });
}

test("kafkajs lines go through the caller's logger with the connection named", () => {
  const { logger, lines } = recorder();
  const trail = new ErrorTrail();
  const create = kafkaLogCreator(logger, { connection: 'PLAINTEXT://b:1#x' }, trail);
  emit(create, kafkajs.logLevel.ERROR, 'Connection error: connect ECONNREFUSED b:1');
  emit(create, kafkajs.logLevel.WARN, 'Response without match');
  emit(
    create,
    kafkajs.logLevel.WARN,
    'Limiting retries for the idempotent producer may invalidate EoS guarantees',
  );
  emit(create, kafkajs.logLevel.INFO, 'Starting');
  assert.deepEqual(
    lines.map(({ level, message }) => [level, message]),
    [
      // Each failed attempt of a retried call: detail; the caller reports the outcome.
      ['debug', 'Connection error: connect ECONNREFUSED b:1'],
      ['warn', 'Response without match'],
      // A limit the transport sets on purpose is no warning.
      ['debug', 'Limiting retries for the idempotent producer may invalidate EoS guarantees'],
      ['debug', 'Starting'],
    ],
  );
  assert.deepEqual(lines[0]?.meta, {
    connection: 'PLAINTEXT://b:1#x',
    kafkaNamespace: 'Connection',
    broker: 'b:1',
  });
});

test('the trail keeps the last error logged since a given time', () => {
  const trail = new ErrorTrail();
  const create = kafkaLogCreator(recorder().logger, {}, trail);
  const before = Date.now();
  emit(create, kafkajs.logLevel.ERROR, 'first');
  emit(create, kafkajs.logLevel.ERROR, 'second');
  assert.equal(trail.since(before), 'second');
  assert.equal(trail.since(Date.now() + 1_000), undefined);
});

test("the operator's winston logger fits the interface as it is", () => {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const logger: KafkaLogger = createLogger({ stream, level: 'debug' });
  const create = kafkaLogCreator(logger, { connection: 'PLAINTEXT://b:1#x' });
  emit(create, kafkajs.logLevel.WARN, 'Response without match');
  assert.match(chunks.join(''), /"message":"Response without match"/);
});
