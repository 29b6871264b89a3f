// What listPages() asks of the API server and what it hands back: one request per page, each with the caller's
// selector, the page size and the previous page's continue token, until a page comes without one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGone } from '../../../src/runtime/kube/client.js';
import { listPages, type ListPage } from '../../../src/runtime/kube/list.js';
import { localApiServer, sendJson } from '../../support/local-api-server.js';

test('pages are fetched in turn, following continue tokens until one is empty', async (t) => {
  const answers: Record<string, unknown> = {
    '': { metadata: { resourceVersion: '7', continue: 'page-2' }, items: [{ n: 1 }, { n: 2 }] },
    'page-2': { metadata: { resourceVersion: '7', continue: 'page-3' }, items: [{ n: 3 }] },
    'page-3': { metadata: { resourceVersion: '7', continue: '' }, items: [] },
  };
  const { client, requests } = await localApiServer(t, (request, response) => {
    sendJson(response, 200, answers[request.query.get('continue') ?? '']);
  });
  const pages: ListPage<{ n: number }>[] = [];
  for await (const page of listPages<{ n: number }>(client, {
    path: '/api/v1/nodes',
    query: { labelSelector: 'pool=a' },
    pageSize: 2,
  })) {
    pages.push(page);
  }
  assert.deepEqual(pages, [
    { items: [{ n: 1 }, { n: 2 }], resourceVersion: '7' },
    { items: [{ n: 3 }], resourceVersion: '7' },
    { items: [], resourceVersion: '7' },
  ]);
  assert.deepEqual(
    requests.map(({ path, query }) => [
      path,
      query.get('labelSelector'),
      query.get('limit'),
      query.get('continue'),
    ]),
    [
      ['/api/v1/nodes', 'pool=a', '2', null],
      ['/api/v1/nodes', 'pool=a', '2', 'page-2'],
      ['/api/v1/nodes', 'pool=a', '2', 'page-3'],
    ],
  );
});

test('a page without a continue token is the last; the default page size is 500', async (t) => {
  const { client, requests } = await localApiServer(t, (_request, response) => {
    sendJson(response, 200, { metadata: { resourceVersion: '3' }, items: [{ n: 1 }] });
  });
  const pages: ListPage<unknown>[] = [];
  for await (const page of listPages(client, { path: '/api/v1/nodes' })) pages.push(page);
  assert.deepEqual(pages, [{ items: [{ n: 1 }], resourceVersion: '3' }]);
  assert.equal(requests.length, 1);
  assert.equal(requests[0]?.query.get('limit'), '500');
});

test("a failed page fails the iteration with the API server's error", async (t) => {
  const { client } = await localApiServer(t, (request, response) => {
    if (request.query.get('continue') === null) {
      sendJson(response, 200, { metadata: { continue: 'next' }, items: [{ n: 1 }] });
    } else {
      sendJson(response, 410, {
        kind: 'Status',
        code: 410,
        reason: 'Expired',
        message: 'continue token expired',
      });
    }
  });
  const seen: unknown[] = [];
  await assert.rejects(
    async () => {
      for await (const page of listPages(client, { path: '/api/v1/nodes' })) seen.push(...page.items);
    },
    (error: unknown) => isGone(error),
  );
  assert.deepEqual(seen, [{ n: 1 }]);
});
