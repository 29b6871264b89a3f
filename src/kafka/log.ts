// kafkajs's log lines, through the caller's logger. Structural, so the operator's winston logger fits as it is and
// this module depends on no particular logging library.
import kafkajs, { type logCreator, type LogEntry } from 'kafkajs';

export interface KafkaLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export const silentLogger: KafkaLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

const { logLevel } = kafkajs;

/** The most recent error kafkajs logged on one client: it retries connection errors quietly, then times out. */
export class ErrorTrail {
  private last: { at: number; message: string } | undefined;

  record(message: string, at: number): void {
    this.last = { at, message };
  }

  /** The last error logged at or after `since` (epoch ms), if any. */
  since(since: number): string | undefined {
    return this.last !== undefined && this.last.at >= since ? this.last.message : undefined;
  }
}

// Deliberate choices kafkajs warns about on every producer: bounded retries (see client-config.ts) and the default
// partitioner chosen explicitly. Repeating them at warn level would only teach people to ignore warnings.
const EXPECTED_WARNINGS = [/Limiting retries for the idempotent producer/, /switched default partitioner/];

/**
 * A kafkajs logCreator writing to `logger`. kafkajs logs every failed attempt of a call it retries at error level,
 * a dozen lines for one unreachable broker; the caller reports the outcome once, classified, so those lines are
 * debug detail here (and the last one is kept in `trail` to explain a timeout).
 */
export function kafkaLogCreator(
  logger: KafkaLogger,
  base: Record<string, unknown>,
  trail?: ErrorTrail,
): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message } = log;
      const meta: Record<string, unknown> = { ...base, kafkaNamespace: namespace };
      // kafkajs's own timestamp and logger name would only repeat what the caller's logger adds.
      for (const [key, value] of Object.entries(log)) {
        if (key !== 'message' && key !== 'timestamp' && key !== 'logger') meta[key] = value;
      }
      if (level === logLevel.ERROR) {
        trail?.record(message, Date.now());
        logger.debug(message, meta);
      } else if (level === logLevel.WARN && !EXPECTED_WARNINGS.some((pattern) => pattern.test(message))) {
        logger.warn(message, meta);
      } else {
        // kafkajs's info lines (connecting, starting) are routine for a long-running producer.
        logger.debug(message, meta);
      }
    };
}
