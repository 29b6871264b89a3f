// A logger that keeps its lines, for tests that read what was logged.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import type { SecretRedactor } from '../../../src/observability/redact.js';

export interface CapturedLogger {
  logger: Logger;
  lines: () => Record<string, unknown>[];
  text: () => string;
}

export function captureLogger(redactor?: SecretRedactor): CapturedLogger {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', stream, ...(redactor === undefined ? {} : { redactor }) });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
