// The bench's old way runs kafka-console-producer from the test broker's jars, as the old Job did. Run here on
// each Kafka line, because the class and its logging differ between them (kafka-tools and log4j2 from 4.0): the
// bench's section failed on 4.x with ClassNotFoundException when only the 3.x class was known.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findExecutable, measure } from '../../../hack/bench/exec.js';
import { consoleProducerArgs, TOOLS_LOGGING } from '../../../hack/bench/oldway.js';
import { kafkaReleases, kafkaVersion } from '../../../hack/testenv/versions.js';
import { plainKafka, RecordTail } from '../../support/kafka-records.js';
import { requireKafkaBrokers, requireKafkaLibs, uniqueName } from '../../support/testenv.js';

test("the bench's kafka-console-producer delivers a keyed record from this broker's jars", async (t) => {
  const brokers = requireKafkaBrokers();
  const libs = requireKafkaLibs();
  const tool = kafkaReleases[kafkaVersion()];
  const dir = mkdtempSync(join(tmpdir(), 'console-producer-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const logging = TOOLS_LOGGING[tool.logging];
  const logConfig = join(dir, logging.file);
  writeFileSync(logConfig, logging.text);

  const topic = uniqueName('console-producer');
  const admin = plainKafka(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const tail = await RecordTail.start(t, brokers, [topic]);
  const java = findExecutable('java') ?? 'java';
  const run = await measure(
    java,
    consoleProducerArgs(libs, tool, logConfig, brokers, topic),
    'cluster-a::{"status":"active"}\n',
    60_000,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /ERROR|Exception/, 'the tool logs nothing worse than a warning');
  const record = await tail.waitFor('the record', (r) => r.key === 'cluster-a');
  assert.equal(record.value, '{"status":"active"}');
});
