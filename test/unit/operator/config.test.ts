import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRunConfig, UsageError } from '../../../src/operator/config.js';

test('defaults, environment variables, and flags that win over them', () => {
  const defaults = parseRunConfig([], {});
  assert.equal(defaults.namespace, 'cluster-registry-system');
  assert.equal(defaults['leader-elect'], true);
  assert.equal(defaults['lease-duration'], 15_000);
  assert.equal(defaults['http-port'], 8080);
  assert.equal(defaults['create-topics'], false);
  assert.equal(defaults['api-http2'], true);
  const fromEnv = parseRunConfig([], {
    POD_NAMESPACE: 'from-pod',
    API_HTTP2: 'false',
    CREATE_TOPICS: 'true',
    SEND_TIMEOUT: '5s',
  });
  assert.equal(fromEnv.namespace, 'from-pod');
  assert.equal(fromEnv['create-topics'], true);
  assert.equal(fromEnv['api-http2'], false);
  assert.equal(fromEnv['send-timeout'], 5_000);
  const flags = parseRunConfig(['--namespace', 'flagged', '--create-topics', '--leader-elect=false'], {
    OPERATOR_NAMESPACE: 'env',
  });
  assert.equal(flags.namespace, 'flagged');
  assert.equal(flags['create-topics'], true);
  assert.equal(flags['leader-elect'], false);
});

test('a bad value or an unknown flag is a usage error that names it', () => {
  const cases: [string[], RegExp][] = [
    [['--http-port', 'x'], /http-port/],
    [['--send-timeout', 'soon'], /send-timeout/],
    [['--log-level', 'loud'], /log-level/],
    [['--renew-deadline', '20s'], /renew-deadline: must be shorter than lease-duration/],
    [['--namespace', 'Not_A_Name'], /namespace/],
    [['--unknown'], /unknown/i],
  ];
  for (const [argv, message] of cases) {
    assert.throws(
      () => parseRunConfig(argv, {}),
      (error: unknown) => error instanceof UsageError && message.test(error.message),
    );
  }
});
