// One watch connection: opened from a resourceVersion with bookmarks and a server-side timeout, read line by
// line, and closed by a watchdog when nothing at all (not even a bookmark) arrives for too long, which is how a
// half-open connection or a stalled stream shows itself. It says why it ended; the informer decides what next.
import { linkSignals } from '../abort.js';
import type { Clock } from '../clock.js';
import { isGone, type KubeClient, type Query } from '../kube/client.js';
import { LineSplitter } from './ndjson.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent {
  type: WatchEventType;
  object: unknown;
}

export type WatchEnd =
  /** The server closed it (its timeoutSeconds ran out): the normal end. */
  | { reason: 'closed' }
  /** 410 Gone: the resourceVersion is compacted away, only a new list helps. */
  | { reason: 'gone' }
  /** The watchdog saw nothing for too long. */
  | { reason: 'stalled' }
  /** Our own signal. */
  | { reason: 'aborted' }
  | { reason: 'error'; error: Error };

export interface WatchOptions {
  path: string;
  resourceVersion: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Asked of the server, which then closes the watch cleanly. */
  timeoutSeconds: number;
  connectTimeoutMs: number;
  inactivityTimeoutMs: number;
  signal: AbortSignal;
  clock: Clock;
  /** Called once the server has answered 200. */
  onConnected(): void;
  onEvent(event: WatchEvent): void;
}

const WATCH_EVENT_TYPES = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK']);

type ParsedLine = { event: WatchEvent } | { end: WatchEnd };

function parseLine(line: string): ParsedLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return {
      end: { reason: 'error', error: new Error(`watch sent a line that is not JSON: ${line.slice(0, 200)}`) },
    };
  }
  const { type, object } = (parsed ?? {}) as { type?: unknown; object?: unknown };
  if (typeof type === 'string' && WATCH_EVENT_TYPES.has(type)) {
    return { event: { type: type as WatchEventType, object } };
  }
  // An ERROR event carries a Status; 410 means the resourceVersion is too old.
  const status = (object ?? {}) as { code?: unknown; message?: unknown };
  if (status.code === 410) return { end: { reason: 'gone' } };
  const message = typeof status.message === 'string' ? status.message : line.slice(0, 200);
  return { end: { reason: 'error', error: new Error(`watch error event: ${message}`) } };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export async function watchOnce(client: KubeClient, options: WatchOptions): Promise<WatchEnd> {
  // Our own handle on this one connection, so that ending it never aborts the caller's signal.
  const connection = new AbortController();
  const { signal, dispose } = linkSignals(options.signal, connection.signal);
  const query: Query = {
    watch: true,
    resourceVersion: options.resourceVersion,
    allowWatchBookmarks: true,
    timeoutSeconds: options.timeoutSeconds,
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
  };
  let response;
  try {
    response = await client.stream({
      path: options.path,
      query,
      signal,
      connectTimeoutMs: options.connectTimeoutMs,
    });
  } catch (error) {
    dispose();
    if (options.signal.aborted) return { reason: 'aborted' };
    if (isGone(error)) return { reason: 'gone' };
    return { reason: 'error', error: asError(error) };
  }
  options.onConnected();
  return new Promise<WatchEnd>((resolve) => {
    let ended = false;
    const finish = (end: WatchEnd) => {
      if (ended) return;
      ended = true;
      watchdog.cancel();
      connection.abort();
      dispose();
      response.destroy();
      resolve(options.signal.aborted ? { reason: 'aborted' } : end);
    };
    const armWatchdog = () =>
      options.clock.setTimer(() => {
        finish({ reason: 'stalled' });
      }, options.inactivityTimeoutMs);
    let watchdog = armWatchdog();
    const lines = new LineSplitter();
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      watchdog.cancel();
      watchdog = armWatchdog();
      for (const line of lines.push(chunk)) {
        const parsed = parseLine(line);
        if ('end' in parsed) {
          finish(parsed.end);
          return;
        }
        options.onEvent(parsed.event);
      }
    });
    response.once('end', () => {
      finish({ reason: 'closed' });
    });
    response.once('error', (error) => {
      finish({ reason: 'error', error });
    });
    response.once('close', () => {
      finish({ reason: 'error', error: new Error('watch connection closed before its end') });
    });
  });
}
