// Execute, the third step of a run: the planned sends go out in order, each acknowledgement or classified failure
// kept as a value for report.ts, and the first failure ends them. Only Kafka failures and unreadable Secrets become
// values: anything else (a bug, an abort) is thrown, for the controller to log and retry.
import type { ClusterRegistration } from '../api/index.js';
import { isKafkaFailure, type KafkaConnection } from '../kafka/index.js';
import type { Failpoint, ReconcileContext } from '../runtime/index.js';
import type { Place } from './claims.js';
import type { ClusterFacts } from './cluster-facts.js';
import { stepName, type Send, type StepName } from './plan.js';
import type { PlaceProducers } from './producers.js';
import { recordOf, type Sender } from './records.js';
import type { Executed } from './report.js';
import type { TopicCheck } from './topic-check.js';

const KEEP_SECRETS_ONLY_NOTE = 'check the Secrets in the operator namespace';

/** The same for every run. */
export interface Executor {
  topics: Pick<TopicCheck, 'verify'>;
  sender: Sender;
  /** Deadline of one send. */
  sendTimeoutMs: number;
  failpoint: Failpoint;
  now: () => number;
}

export interface Execution {
  registration: ClusterRegistration;
  sends: readonly Send[];
  facts: ClusterFacts;
  /** The object's producers. */
  producers: Pick<PlaceProducers, 'at'>;
  /** Where the registry topic is checked first, if anywhere. */
  topicAt?: { place: Place; conn: KafkaConnection };
  /** status.firstRegisteredTime, which a registration record carries. */
  registeredAt?: string;
}

/** Runs the sends in order and stops at the first failure; the registry topic is checked first when asked. */
export async function execute(
  execution: Execution,
  deps: Executor,
  ctx: ReconcileContext,
): Promise<Executed> {
  const { registration, producers, topicAt } = execution;
  const executed: Executed = { topic: { ok: true }, acks: [] };
  const call = { deadlineMs: deps.sendTimeoutMs, signal: ctx.signal };
  if (topicAt !== undefined) {
    const producer = producers.at(topicAt.place, topicAt.conn);
    const topic = await attempt(
      executed,
      { condition: 'registered', action: 'Register', what: 'checking the registry topic' },
      () => deps.topics.verify(producer, registration.spec.topics, call),
    );
    if (topic === undefined) return executed;
    executed.topic = topic;
  }
  for (const send of execution.sends) {
    const via = send.kind === 'tombstone' ? send.via : { ok: true as const, conn: send.conn };
    if (!via.ok) {
      const failure = { reason: via.reason, message: `${via.message} (${KEEP_SECRETS_ONLY_NOTE})` };
      executed.failed = { ...stepName(send), failure };
      return executed;
    }
    const producer = producers.at(send.place, via.conn);
    if (send.kind === 'register') await deps.failpoint('before-register', ctx.log, ctx.signal);
    const record = recordOf(send, registration, execution.facts, deps.sender, {
      now: new Date(deps.now()),
      registeredAt: execution.registeredAt,
    });
    const position = await attempt(executed, stepName(send), () => producer.publish(record, call));
    if (position === undefined) return executed;
    const { clientId } = registration.spec;
    if (send.kind === 'tombstone') ctx.log.info('tombstone acknowledged', { clientId, ...position });
    if (send.kind === 'register') ctx.log.info('registered', { reason: send.reason, clientId, ...position });
    executed.acks.push({ send, position, at: deps.now() });
  }
  return executed;
}

/** `run`'s answer, or undefined with the step's classified failure recorded in `executed`. */
async function attempt<T>(executed: Executed, step: StepName, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (!isKafkaFailure(error)) throw error;
    executed.failed = { ...step, failure: error };
    return undefined;
  }
}
