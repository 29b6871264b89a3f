// A list, page by page (`limit` and `continue`), as one async iteration. Pages keep a large collection from
// coming in one answer the API server must build and hold, and let a caller that only counts hold one page at a
// time; every page of one list belongs to the same consistent snapshot, whose resourceVersion each page carries.
import type { KubeClient, Query } from './client.js';

export interface ListPage<I> {
  items: I[];
  /** The list's resourceVersion, to watch from. */
  resourceVersion: string | undefined;
}

export interface ListOptions {
  /** The collection's path, e.g. from resourcePath(). */
  path: string;
  /** What selects the items (labelSelector, fieldSelector); `limit` and `continue` are the iteration's own. */
  query?: Query;
  /** Default 500. */
  pageSize?: number;
  signal?: AbortSignal;
}

interface ListBody<I> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: I[] | null;
}

/** The API server's own schema is trusted for the items' type, as KubeClient.request() does. */
export async function* listPages<I>(
  client: KubeClient,
  options: ListOptions,
): AsyncGenerator<ListPage<I>, void, undefined> {
  let continueToken: string | undefined;
  do {
    const body: ListBody<I> = await client.request<ListBody<I>>({
      path: options.path,
      query: { ...options.query, limit: options.pageSize ?? 500, continue: continueToken },
      signal: options.signal,
    });
    yield { items: body.items ?? [], resourceVersion: body.metadata?.resourceVersion };
    continueToken = body.metadata?.continue === '' ? undefined : body.metadata?.continue;
  } while (continueToken !== undefined);
}
