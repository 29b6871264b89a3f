// Structured JSON logs through winston. Every line passes the redactor last, so no secret reaches the output
// whichever field or message it hides in.
import type { Writable } from 'node:stream';
import winston from 'winston';
import { SecretRedactor } from './redact.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level?: string;
  redactor?: SecretRedactor;
  /** Where lines go; stdout by default. */
  stream?: Writable;
  defaultMeta?: Record<string, unknown>;
}

function redactFormat(redactor: SecretRedactor): winston.Logform.Format {
  return winston.format((info) => {
    const safe = redactor.redact({ ...info }) as Record<string, unknown>;
    // winston keeps its own fields (level, message) and symbols on the same object, so mutate rather than replace.
    for (const key of Object.keys(info)) Reflect.deleteProperty(info, key);
    Object.assign(info, safe);
    return info;
  })();
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const redactor = options.redactor ?? new SecretRedactor();
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: options.defaultMeta,
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      redactFormat(redactor),
      winston.format.json(),
    ),
    transports: [
      // winston types its transports as interfaces over TransportStream, which this rule cannot follow.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
      new winston.transports.Stream({ stream: options.stream ?? process.stdout }),
    ],
  });
}
