// `run`'s settings: flags, each with an environment variable behind it (flags win), validated by one zod schema so
// that a bad value stops the operator at start with a message naming the flag, not later with a crash.
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { DEFAULT_OPERATOR_NAMESPACE, parseDuration, tryParseDuration } from '../api/index.js';

const duration = (name: string, min: string, max: string) =>
  z
    .string()
    .refine((text) => tryParseDuration(text) !== undefined, {
      error: `${name}: not a duration such as 15s or 2m`,
    })
    .transform(parseDuration)
    .refine((ms) => ms >= parseDuration(min) && ms <= parseDuration(max), {
      error: `${name}: must be from ${min} to ${max}`,
    });

const boolean = (name: string) =>
  z
    .enum(['true', 'false', '1', '0'], { error: `${name}: must be true or false` })
    .transform((v) => v === 'true' || v === '1');

const integer = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^[0-9]+$/, { error: `${name}: must be a whole number` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: `${name}: must be from ${min} to ${max}` });

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** One entry per flag: its default, the environment variable behind it, and the help line. */
const FLAGS = {
  kubeconfig: {
    env: 'KUBECONFIG',
    help: 'kubeconfig file; default: in-cluster service account, then ~/.kube/config',
  },
  namespace: {
    env: 'OPERATOR_NAMESPACE',
    fallbackEnv: 'POD_NAMESPACE',
    default: DEFAULT_OPERATOR_NAMESPACE,
    help: 'namespace of the Secrets that ClusterRegistrations name, and of the leader Lease',
  },
  'leader-elect': {
    boolean: true,
    env: 'LEADER_ELECT',
    default: 'true',
    help: 'elect a leader among replicas (true|false)',
  },
  'leader-election-id': {
    env: 'LEADER_ELECTION_ID',
    default: 'cluster-registry-operator',
    help: 'name of the Lease',
  },
  'lease-duration': { env: 'LEASE_DURATION', default: '15s', help: 'how long a lease holds without renewal' },
  'renew-deadline': {
    env: 'RENEW_DEADLINE',
    default: '10s',
    help: 'how long the leader tries to renew before it gives up',
  },
  'retry-period': {
    env: 'RETRY_PERIOD',
    default: '2s',
    help: 'how often candidates try to acquire the lease',
  },
  'http-port': {
    env: 'HTTP_PORT',
    default: '8080',
    help: 'port of /healthz, /readyz and /metrics (0: any free port)',
  },
  'api-http2': {
    env: 'API_HTTP2',
    default: 'true',
    help: 'HTTP/2 to the API server where it offers it; false for HTTP/1.1 only (a proxy that mishandles HTTP/2)',
  },
  'log-level': { env: 'LOG_LEVEL', default: 'info', help: 'error, warn, info or debug' },
  'create-topics': {
    boolean: true,
    env: 'CREATE_TOPICS',
    default: 'false',
    help: 'create missing registry (compacted) and heartbeat topics',
  },
  'send-timeout': { env: 'SEND_TIMEOUT', default: '15s', help: 'deadline of one Kafka send' },
  'max-concurrent-reconciles': {
    env: 'MAX_CONCURRENT_RECONCILES',
    default: '16',
    help: 'objects reconciled at once',
  },
  'heartbeat-status-period': {
    env: 'HEARTBEAT_STATUS_PERIOD',
    default: '5m',
    help: 'status.lastHeartbeatTime is written at most this often (heartbeats themselves are not API writes)',
  },
  selector: {
    env: 'REGISTRATION_SELECTOR',
    help: 'manage only the ClusterRegistrations matching this label selector (default: all)',
  },
  identity: {
    env: 'POD_NAME',
    help: 'this replica in the leader election; default: host name and a random id',
  },
  'release-name': { env: 'HELM_RELEASE_NAME', help: 'Helm release name, sent in the registration metadata' },
  'chart-version': { env: 'HELM_CHART_VERSION', help: 'chart version, sent in the registration metadata' },
} as const satisfies Record<
  string,
  { env: string; fallbackEnv?: string; default?: string; boolean?: true; help: string }
>;

type FlagName = keyof typeof FLAGS;

const RunConfigSchema = z
  .object({
    kubeconfig: z.string().min(1).optional(),
    namespace: z.string().regex(NAME, { error: 'namespace: not a namespace name' }),
    'leader-elect': boolean('leader-elect'),
    'leader-election-id': z.string().regex(NAME, { error: 'leader-election-id: not a Lease name' }),
    'lease-duration': duration('lease-duration', '2s', '10m'),
    'renew-deadline': duration('renew-deadline', '1s', '10m'),
    'retry-period': duration('retry-period', '100ms', '1m'),
    'http-port': integer('http-port', 0, 65535),
    'api-http2': boolean('api-http2'),
    'log-level': z.enum(['error', 'warn', 'info', 'debug'], {
      error: 'log-level: must be error, warn, info or debug',
    }),
    'create-topics': boolean('create-topics'),
    'send-timeout': duration('send-timeout', '1s', '5m'),
    'max-concurrent-reconciles': integer('max-concurrent-reconciles', 1, 256),
    'heartbeat-status-period': duration('heartbeat-status-period', '0s', '1h'),
    selector: z.string().min(1).optional(),
    identity: z.string().min(1).optional(),
    'release-name': z.string().min(1).optional(),
    'chart-version': z.string().min(1).optional(),
  })
  .refine((c) => c['renew-deadline'] < c['lease-duration'], {
    error: 'renew-deadline: must be shorter than lease-duration',
  })
  .refine((c) => c['retry-period'] < c['renew-deadline'], {
    error: 'retry-period: must be shorter than renew-deadline',
  });

export type RunConfig = z.output<typeof RunConfigSchema>;

/** Thrown for bad flags or values: the message is for the user, with no stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseRunConfig(argv: readonly string[], env: NodeJS.ProcessEnv): RunConfig {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      // A bare boolean flag (`--create-topics`) means true.
      args: argv.map((arg) => {
        const flag = FLAGS[arg.slice(2) as FlagName] as { boolean?: true } | undefined;
        return arg.startsWith('--') && flag?.boolean === true ? `${arg}=true` : arg;
      }),
      options: Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const raw: Record<string, string | undefined> = {};
  for (const [name, flag] of Object.entries(FLAGS) as [FlagName, (typeof FLAGS)[FlagName]][]) {
    const fromEnv = env[flag.env] ?? ('fallbackEnv' in flag ? env[flag.fallbackEnv] : undefined);
    const value = values[name] ?? (fromEnv === '' ? undefined : fromEnv);
    raw[name] = value ?? ('default' in flag ? flag.default : undefined);
  }
  const parsed = RunConfigSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

export function runHelp(): string {
  const lines = Object.entries(FLAGS).map(([name, flag]) => {
    const fallback = 'fallbackEnv' in flag ? `, ${flag.fallbackEnv}` : '';
    const dflt = 'default' in flag ? ` (default ${flag.default})` : '';
    return `  --${name.padEnd(27)} ${flag.help}${dflt} [${flag.env}${fallback}]`;
  });
  return lines.join('\n');
}
