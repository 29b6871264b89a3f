// The README is the front door and self-contained: every relative link in it and in docs/ names a file of the
// repository that exists, and none leads out of it (the wire contract once lived in a folder beside the clone).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../hack/testenv/paths.js';

const pages = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Relative link targets of a Markdown page, without their #fragment. */
function relativeLinks(page: string): string[] {
  const text = readFileSync(join(repoRoot, page), 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z]+:/.test(target) && !target.startsWith('#'))
    .map((target) => target.split('#')[0] ?? '');
}

test('every relative link in the README and docs/ names a file in the repository', () => {
  const broken: string[] = [];
  for (const page of pages) {
    for (const target of relativeLinks(page)) {
      const path = resolve(repoRoot, dirname(page), target);
      const inside = !relative(repoRoot, path).startsWith('..');
      if (!inside || !existsSync(path)) broken.push(`${page}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the wire contract is in the repository, and the README and docs link it', () => {
  assert.ok(existsSync(join(repoRoot, 'docs', 'contract.md')));
  for (const page of ['README.md', 'docs/kafka.md', 'docs/api.md']) {
    assert.ok(
      relativeLinks(page).some((target) => target.endsWith('contract.md')),
      `${page} does not link docs/contract.md`,
    );
  }
});
