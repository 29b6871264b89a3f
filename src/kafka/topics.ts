// Topic inspection and (opt-in) creation through a short-lived admin client: both are rare (start-up, a changed
// spec), so holding an admin connection open per broker set would buy nothing.
import kafkajs from 'kafkajs';
import { withDeadline } from '../runtime/deadline.js';
import type { AdminLike, KafkaClient } from './client.js';
import type { KafkaConnection } from './connection.js';
import { classifyKafkaError, deadlineFailure, protocolErrorTypes } from './errors.js';
import type { ErrorTrail } from './log.js';

export interface TopicDescription {
  exists: boolean;
  /** `cleanup.policy` as the broker reports it (e.g. `compact`, `delete`, `compact,delete`); set when it exists. */
  cleanupPolicy?: string;
}

export interface TopicRequest {
  topic: string;
  /** `cleanup.policy=compact` (the registry topic) rather than `delete` (the heartbeat topic). */
  compact: boolean;
}

export interface TopicCreation {
  topic: string;
  /** False when the topic already existed; its settings were then left as they are. */
  created: boolean;
}

export interface AdminCallOptions {
  deadlineMs: number;
  signal?: AbortSignal | undefined;
}

interface AdminContext {
  client: KafkaClient;
  conn: KafkaConnection;
  trail: ErrorTrail;
}

const UNKNOWN_TOPIC = 'UNKNOWN_TOPIC_OR_PARTITION';
// Broker error codes describeConfigs may report per resource instead of throwing.
const RESOURCE_ERROR_TYPES: Readonly<Record<number, string>> = {
  3: UNKNOWN_TOPIC,
  29: 'TOPIC_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
};

async function withAdmin<T>(
  { client, conn, trail }: AdminContext,
  topic: string,
  options: AdminCallOptions,
  work: (admin: AdminLike) => Promise<T>,
): Promise<T> {
  const started = Date.now();
  const admin = client.admin();
  const run = (async () => {
    try {
      await admin.connect();
      return await work(admin);
    } finally {
      // Also after the caller's deadline: the admin is closed when its last retry is over, not abandoned open.
      await admin.disconnect().catch(() => undefined);
    }
  })();
  try {
    return await withDeadline(() => run, {
      timeoutMs: options.deadlineMs,
      parent: options.signal,
      onTimeout: () => deadlineFailure(options.deadlineMs, { conn, topic }, trail.since(started)),
    });
  } catch (error) {
    throw classifyKafkaError(error, { conn, topic });
  }
}

export function describeTopic(
  ctx: AdminContext,
  topic: string,
  options: AdminCallOptions,
): Promise<TopicDescription> {
  return withAdmin(ctx, topic, options, async (admin) => {
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] },
        ],
      });
      const resource = resources.find((entry) => entry.resourceName === topic) ?? resources[0];
      if (resource !== undefined && resource.errorCode !== 0) {
        const type = RESOURCE_ERROR_TYPES[resource.errorCode];
        if (type === UNKNOWN_TOPIC) return { exists: false };
        throw Object.assign(new Error(resource.errorMessage || `error code ${resource.errorCode}`), {
          name: 'KafkaJSProtocolError',
          type,
        });
      }
      const policy = resource?.configEntries.find((entry) => entry.configName === 'cleanup.policy');
      return policy === undefined ? { exists: true } : { exists: true, cleanupPolicy: policy.configValue };
    } catch (error) {
      if (protocolErrorTypes(error).includes(UNKNOWN_TOPIC)) return { exists: false };
      throw error;
    }
  });
}

/** Creates each topic that does not exist yet, with the broker's default partition count and replication. */
export function createTopics(
  ctx: AdminContext,
  topics: readonly TopicRequest[],
  options: AdminCallOptions,
): Promise<TopicCreation[]> {
  const names = topics.map(({ topic }) => topic).join(',');
  return withAdmin(ctx, names, options, async (admin) => {
    const results: TopicCreation[] = [];
    // One request per topic: kafkajs reports "already exists" only when every topic of a request already exists.
    for (const { topic, compact } of topics) {
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic, configEntries: [{ name: 'cleanup.policy', value: compact ? 'compact' : 'delete' }] },
        ],
      });
      results.push({ topic, created });
    }
    return results;
  });
}
