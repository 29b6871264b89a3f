import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newKafkaClusterId } from '../../../hack/testenv/config.js';

// kafka-storage parses `--cluster-id -abc...` as a missing value followed by an unknown option, so an id that
// starts with '-' made `testenv up` fail about once in 64 environments.
test('Kafka cluster ids are 22 URL-safe base64 characters and never start with a dash', () => {
  for (let i = 0; i < 5_000; i++) {
    const id = newKafkaClusterId();
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/, id);
  }
});
