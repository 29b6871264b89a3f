// The registry topic must exist and be compacted: the control plane's brokers do not create topics on demand, and a
// registry topic that deletes old records loses clusters that registered long ago. Checked once per connection and
// topic for a while, not per object: a thousand registrations on one broker cost one admin round trip.
import { KafkaFailure, KafkaFailureReason, type CallOptions, type ProducerHandle } from '../kafka/index.js';

export type TopicVerdict = { ok: true } | { ok: false; message: string };

export interface TopicCheckOptions {
  /** Create missing topics (registry compacted, heartbeat delete) instead of reporting them. */
  createTopics: boolean;
  /** How long a good answer is reused. */
  maxAgeMs?: number;
  now?: () => number;
}

/** The connection to check on: its id names the answer. */
export type TopicAdmin = Pick<ProducerHandle, 'id' | 'describeTopic' | 'createTopics'>;

interface Checked {
  verdict: TopicVerdict;
  at: number;
}

export class TopicCheck {
  private readonly checked = new Map<string, Checked>();
  private readonly inFlight = new Map<string, Promise<TopicVerdict>>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: TopicCheckOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Resolves with whether the registry topic is compacted; rejects with TopicNotFound when it is missing (and may not
   * be created). An answer the broker refuses to give (no DescribeConfigs right) is no verdict: the send decides.
   */
  verify(
    kafka: TopicAdmin,
    topics: { registry: string; heartbeat: string },
    options: CallOptions,
  ): Promise<TopicVerdict> {
    const key = `${kafka.id}/${topics.registry}`;
    const cached = this.checked.get(key);
    if (cached !== undefined && this.now() - cached.at < this.maxAgeMs)
      return Promise.resolve(cached.verdict);
    let check = this.inFlight.get(key);
    if (check === undefined) {
      check = this.check(kafka, topics, options)
        .then((verdict) => {
          this.checked.set(key, { verdict, at: this.now() });
          return verdict;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, check);
    }
    return check;
  }

  private async check(
    kafka: TopicAdmin,
    topics: { registry: string; heartbeat: string },
    options: CallOptions,
  ): Promise<TopicVerdict> {
    let description;
    try {
      description = await kafka.describeTopic(topics.registry, options);
    } catch (error) {
      if (error instanceof KafkaFailure && error.reason === KafkaFailureReason.NotAuthorized)
        return { ok: true };
      throw error;
    }
    if (!description.exists) {
      if (!this.options.createTopics) {
        throw new KafkaFailure(
          KafkaFailureReason.TopicNotFound,
          `topic ${topics.registry} does not exist: create it with cleanup.policy=compact, or run the operator ` +
            'with --create-topics',
        );
      }
      await kafka.createTopics(
        [
          { topic: topics.registry, compact: true },
          { topic: topics.heartbeat, compact: false },
        ],
        options,
      );
      return { ok: true };
    }
    const policies = (description.cleanupPolicy ?? '').split(',').map((policy) => policy.trim());
    return policies.includes('compact')
      ? { ok: true }
      : {
          ok: false,
          message:
            `topic ${topics.registry} has cleanup.policy=${description.cleanupPolicy ?? 'unknown'}, not compact: ` +
            'old registrations will be deleted and the control plane will not see this cluster after a restart; ' +
            `set it with kafka-configs --alter --entity-type topics --entity-name ${topics.registry} ` +
            '--add-config cleanup.policy=compact',
        };
  }
}
