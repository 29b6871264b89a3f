// Progress lines for long steps: which step, and how long it took, on stderr so stdout stays parseable.
const started = Date.now();

function elapsed(): string {
  return `${((Date.now() - started) / 1000).toFixed(1)}s`;
}

export function progress(message: string): void {
  process.stderr.write(`[testenv +${elapsed()}] ${message}\n`);
}

export async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  progress(`${name} ...`);
  const result = await run();
  progress(`${name} done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return result;
}
