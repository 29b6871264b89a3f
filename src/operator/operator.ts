// The operator assembled: caches of ClusterRegistrations and of the Secrets in its own namespace, the registration
// reconciler behind leader election, one producer pool, and the HTTP endpoints. Runs until SIGTERM/SIGINT.
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../api/index.js';
import { ProducerPool } from '../kafka/index.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { SecretRedactor } from '../observability/redact.js';
import { apiClusterFacts, CachedClusterFacts } from '../registration/cluster-facts.js';
import { ClaimIndex } from '../registration/claims.js';
import type { Secret } from '../registration/credentials.js';
import { RegistrationReconciler } from '../registration/reconciler.js';
import { ParsedRegistrations } from '../registration/registrations.js';
import { TopicCheck } from '../registration/topic-check.js';
import {
  changedBeyondStatus,
  KubeClient,
  Manager,
  mapChanges,
  type Failpoint,
  type KubeObject,
  type ResourceType,
} from '../runtime/index.js';
import type { RunConfig } from './config.js';

export const registrationType: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: PLURAL,
  kind: KIND,
  namespaced: false,
};

// Node count and region change rarely; one read a minute serves every object.
const FACTS_MAX_AGE_MS = 60_000;

const secretType: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'secrets',
  kind: 'Secret',
  namespaced: true,
};

export interface Operator {
  readonly manager: Manager;
  readonly logger: Logger;
  /** Runs until stopped; rejects when leadership is lost (exit non-zero and come back as a standby). */
  run(): Promise<void>;
}

export interface OperatorHooks {
  /** Where a test may hold the operator (see runtime/failpoint.ts); none by default. */
  failpoint?: Failpoint;
}

export function createOperator(config: RunConfig, version: string, hooks: OperatorHooks = {}): Operator {
  const redactor = new SecretRedactor();
  const logger = createLogger({ level: config['log-level'], redactor, defaultMeta: { operator: version } });
  const clientOptions = config['api-http2'] ? {} : { http2: false as const };
  const client =
    config.kubeconfig === undefined
      ? KubeClient.fromDefaultConfig(clientOptions)
      : KubeClient.fromFile(config.kubeconfig, clientOptions);
  const namespace = config.namespace;
  const manager = new Manager({
    name: `${GROUP}/cluster-registry-operator`,
    client,
    logger,
    ...(config.identity === undefined ? {} : { identity: config.identity }),
    httpPort: config['http-port'],
    ...(config['leader-elect']
      ? {
          leaderElection: {
            namespace,
            name: config['leader-election-id'],
            leaseDurationMs: config['lease-duration'],
            renewDeadlineMs: config['renew-deadline'],
            retryPeriodMs: config['retry-period'],
          },
        }
      : {}),
  });
  const registrations = manager.informer<KubeObject>({
    type: registrationType,
    ...(config.selector === undefined ? {} : { labelSelector: config.selector }),
  });
  const secrets = manager.informer<Secret>({
    type: secretType,
    namespace,
    // Every value read from a Secret is masked in logs from then on, wherever it shows up.
    decode: (raw) => {
      const secret = raw as Secret;
      for (const encoded of Object.values(secret.data ?? {}))
        redactor.register(Buffer.from(encoded, 'base64').toString('utf8'));
      return secret;
    },
  });
  // Parsed once per version, before ClaimIndex and the controller hear of it.
  const parsed = new ParsedRegistrations(registrations);
  const claims = new ClaimIndex(parsed);
  const kafka = new ProducerPool({
    logger: logger.child({ component: 'kafka' }),
    defaultDeadlineMs: config['send-timeout'],
  });
  const reconciler = new RegistrationReconciler(
    {
      namespace,
      operatorVersion: version,
      sendTimeoutMs: config['send-timeout'],
      heartbeatStatusPeriodMs: config['heartbeat-status-period'],
      releaseName: config['release-name'],
      chartVersion: config['chart-version'],
    },
    {
      registrations: parsed,
      secrets,
      api: manager.resource<KubeObject>(registrationType),
      kafka,
      topics: new TopicCheck({ createTopics: config['create-topics'] }),
      facts: new CachedClusterFacts(apiClusterFacts(client), FACTS_MAX_AGE_MS),
      claims,
      events: manager.events,
      ...hooks,
    },
  );
  manager.controller({
    name: 'clusterregistration',
    for: registrations,
    // Our own status writes come back as watch events; reconciling those finds nothing due.
    filter: changedBeyondStatus,
    maxConcurrentReconciles: config['max-concurrent-reconciles'],
    watches: [claims, mapChanges(secrets, (secret) => claims.usingSecret(secret.metadata.name))],
    reconciler,
  });
  return {
    manager,
    logger,
    async run() {
      logger.info('starting', { apiVersion: API_VERSION, namespace, leaderElection: config['leader-elect'] });
      try {
        await manager.run();
      } finally {
        await kafka.closeAll();
      }
    },
  };
}
