// Which broker the environment runs: the newest 4.x unless TESTENV_KAFKA_VERSION names another it knows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultKafkaVersion, kafkaVersion } from '../../../hack/testenv/versions.js';

test('the newest 4.x release is the default, 3.9.1 runs when asked', () => {
  assert.equal(kafkaVersion(undefined), defaultKafkaVersion);
  assert.equal(kafkaVersion(''), defaultKafkaVersion);
  assert.match(defaultKafkaVersion, /^4\./);
  assert.equal(kafkaVersion('3.9.1'), '3.9.1');
});

test('an unknown version is refused, naming the variable and the versions there are', () => {
  assert.throws(() => kafkaVersion('3.7.0'), /TESTENV_KAFKA_VERSION=3\.7\.0: .*4\.4\.0 or 3\.9\.1/);
});
