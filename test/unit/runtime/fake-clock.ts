// A clock that only moves when a test says so, running due timers in order.
import { setImmediate as flushIo } from 'node:timers/promises';
import type { Clock, Timer } from '../../../src/runtime/clock.js';

interface Pending {
  at: number;
  seq: number;
  callback: () => void;
}

/** Lets promise chains triggered by a timer run before the next one fires. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await flushIo();
}

export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = Date.UTC(2030, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(callback: () => void, delayMs: number): Timer {
    const entry: Pending = { at: this.current + Math.max(0, delayMs), seq: (this.seq += 1), callback };
    this.pending.push(entry);
    return {
      cancel: () => {
        this.pending = this.pending.filter((other) => other !== entry);
      },
    };
  }

  get timers(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const next = [...this.pending].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined || next.at > target) break;
      this.pending = this.pending.filter((other) => other !== next);
      this.current = next.at;
      next.callback();
      await settle();
    }
    this.current = target;
    await settle();
  }
}
