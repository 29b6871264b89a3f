// The operator's version: compiled into the single-file bundle (hack/bundle.ts defines OPERATOR_VERSION), read from
// package.json when running from source or from dist/, both one level below it.
import { createRequire } from 'node:module';

declare const OPERATOR_VERSION: string | undefined;

function fromPackageJson(): string {
  const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
  return pkg.version;
}

export const version: string = typeof OPERATOR_VERSION === 'string' ? OPERATOR_VERSION : fromPackageJson();
