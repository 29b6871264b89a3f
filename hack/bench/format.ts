// The generated files are checked by `prettier --check .` with the rest of the repository, so they are written in
// its format.
import { readFileSync, writeFileSync } from 'node:fs';
import * as prettier from 'prettier';

export async function formatFiles(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    const options = (await prettier.resolveConfig(path)) ?? {};
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, await prettier.format(text, { ...options, filepath: path }));
  }
}
