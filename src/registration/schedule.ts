// When each record is due. Pure: the reconciler keeps one Progress per object in memory and asks these functions
// what to send now and when to run next. Memory is the right place: a new process (a restart, a new leader) starts
// with none, and that is exactly when the contract asks for the registration to be sent again.
import { parseDuration, type ClusterRegistration, type LastRegistration } from '../api/index.js';

/** The control plane marks a cluster stale after 2 minutes without a heartbeat, then forgets it (contract.md). */
export const STALE_WINDOW_MS = 120_000;

export interface Progress {
  /** The object this is about; a recreated object (new uid) starts afresh. */
  uid: string;
  generation: number;
  /** Place key of the last acknowledged registration. */
  place: string;
  lastRegisteredAt: number;
  /** The last acknowledged record of either kind. */
  lastAckAt: number;
  /** Undefined right after a registration: the first heartbeat goes out at once. */
  nextHeartbeatAt: number | undefined;
  /** Where the broker stored the last registration, and the spec.kafka it went with. */
  position: LastRegistration;
}

export type RegisterReason = 'first' | 'spec changed' | 'heartbeat gap' | 'reassert' | 'moved';

export interface Timing {
  heartbeatEnabled: boolean;
  heartbeatIntervalMs: number;
  reassertIntervalMs: number;
}

export function timingOf(registration: ClusterRegistration): Timing {
  const { heartbeat, reassertInterval } = registration.spec;
  return {
    heartbeatEnabled: heartbeat.enabled,
    heartbeatIntervalMs: parseDuration(heartbeat.interval),
    reassertIntervalMs: parseDuration(reassertInterval),
  };
}

/** Why the registration must be sent now, or undefined when it need not be. */
export function registrationDue(
  progress: Progress | undefined,
  target: { uid: string; generation: number; place: string },
  timing: Timing,
  now: number,
): RegisterReason | undefined {
  if (progress?.uid !== target.uid) return 'first';
  if (progress.generation !== target.generation || progress.place !== target.place) return 'spec changed';
  // After a gap the control plane may have forgotten the cluster, and heartbeats alone will not bring it back.
  if (timing.heartbeatEnabled && now - progress.lastAckAt > STALE_WINDOW_MS) return 'heartbeat gap';
  if (now - progress.lastRegisteredAt >= timing.reassertIntervalMs) return 'reassert';
  return undefined;
}

export function heartbeatDue(progress: Progress, timing: Timing, now: number): boolean {
  return timing.heartbeatEnabled && now >= (progress.nextHeartbeatAt ?? now);
}

/**
 * Heartbeats fall due on whole ticks: those due in the same tick leave in one produce request (the producer sends
 * what queued up while a request was in flight), instead of one request each. A beat is at most a tick late.
 */
const HEARTBEAT_TICK_MS = 1_000;

/**
 * When the heartbeat after one acknowledged at `ackAt` is due: the interval on, spread by ±10% so that objects
 * created together do not beat in lockstep, then up to the next tick.
 */
export function nextHeartbeatAt(
  ackAt: number,
  intervalMs: number,
  random: () => number = Math.random,
): number {
  const at = ackAt + Math.round(intervalMs * (0.9 + 0.2 * random()));
  return Math.ceil(at / HEARTBEAT_TICK_MS) * HEARTBEAT_TICK_MS;
}

/** How long until something is due again. */
export function nextRunInMs(progress: Progress, timing: Timing, now: number): number {
  let at = progress.lastRegisteredAt + timing.reassertIntervalMs;
  if (timing.heartbeatEnabled) at = Math.min(at, progress.nextHeartbeatAt ?? now);
  return Math.max(1, at - now);
}
