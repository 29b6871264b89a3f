// node:test runs a test's `after` hooks in the order they were added; teardown wants the reverse, as Go's
// t.Cleanup does: a consumer must disconnect before the broker it reads from is stopped, or it retries forever and
// keeps the test file from ever exiting.
import type { TestContext } from 'node:test';

type Cleanup = () => unknown;

const stacks = new WeakMap<TestContext, Cleanup[]>();

/** Runs `cleanup` when the test ends, before every cleanup registered earlier; all run even when one fails. */
export function onCleanup(t: TestContext, cleanup: Cleanup): void {
  let stack = stacks.get(t);
  if (stack === undefined) {
    const created: Cleanup[] = [];
    stacks.set(t, created);
    t.after(async () => {
      const errors: unknown[] = [];
      for (const next of created.reverse()) {
        try {
          await next();
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length > 0)
        throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'cleanups failed');
    });
    stack = created;
  }
  stack.push(cleanup);
}
