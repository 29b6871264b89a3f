// Keys with the time each is due, earliest first (and first scheduled first among equals): the work queue's delay
// table. A binary min-heap of (time, order, key) beside a map that holds each key's current time. An entry that
// no longer holds (the key was run, or scheduled earlier) stays in the heap until it surfaces and is dropped, so a
// schedule and a due key each cost O(log n): with 1,000 objects heart-beating, the timer that fires for one due
// key does not walk the other 999.

export class DueSchedule {
  private readonly current = new Map<string, number>();
  // The heap as parallel arrays: no object per entry.
  private readonly times: number[] = [];
  private readonly orders: number[] = [];
  private readonly keys: string[] = [];
  private scheduled = 0;

  get size(): number {
    return this.current.size;
  }

  get(key: string): number | undefined {
    return this.current.get(key);
  }

  set(key: string, at: number): void {
    this.current.set(key, at);
    this.push(at, key);
    // Entries that no longer hold are bounded: past twice the live ones, the heap is rebuilt from the map.
    if (this.times.length > 2 * this.current.size + 64) this.rebuild();
  }

  delete(key: string): void {
    this.current.delete(key);
  }

  clear(): void {
    this.current.clear();
    this.times.length = 0;
    this.orders.length = 0;
    this.keys.length = 0;
  }

  /** The earliest time any key is due; Infinity when none is. */
  earliest(): number {
    this.dropStale();
    return this.times[0] ?? Infinity;
  }

  /** Removes the keys due at `now` and returns them, earliest first. */
  takeDue(now: number): string[] {
    const due: string[] = [];
    for (;;) {
      this.dropStale();
      const at = this.times[0];
      if (at === undefined || at > now) return due;
      const key = this.pop();
      this.current.delete(key);
      due.push(key);
    }
  }

  private dropStale(): void {
    while (this.times.length > 0 && this.current.get(this.keys[0] as string) !== this.times[0]) this.pop();
  }

  /** From the map alone; ties then come out in the map's order, that of each key's first schedule. */
  private rebuild(): void {
    this.times.length = 0;
    this.orders.length = 0;
    this.keys.length = 0;
    for (const [key, at] of this.current) this.push(at, key);
  }

  private push(at: number, key: string): void {
    const order = (this.scheduled += 1);
    let i = this.times.length;
    this.times.push(at);
    this.orders.push(order);
    this.keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!precedes(at, order, this.times[parent] as number, this.orders[parent] as number)) break;
      this.move(parent, i);
      i = parent;
    }
    this.place(i, at, order, key);
  }

  /** Removes the heap's top and returns its key; only called on a heap that is not empty. */
  private pop(): string {
    const top = this.keys[0] as string;
    const lastAt = this.times.pop() as number;
    const lastOrder = this.orders.pop() as number;
    const lastKey = this.keys.pop() as string;
    const n = this.times.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.entryPrecedes(right, left) ? right : left;
      if (!precedes(this.times[child] as number, this.orders[child] as number, lastAt, lastOrder)) break;
      this.move(child, i);
      i = child;
    }
    this.place(i, lastAt, lastOrder, lastKey);
    return top;
  }

  private entryPrecedes(i: number, j: number): boolean {
    const { times, orders } = this;
    return precedes(times[i] as number, orders[i] as number, times[j] as number, orders[j] as number);
  }

  private move(from: number, to: number): void {
    this.place(to, this.times[from] as number, this.orders[from] as number, this.keys[from] as string);
  }

  private place(i: number, at: number, order: number, key: string): void {
    this.times[i] = at;
    this.orders[i] = order;
    this.keys[i] = key;
  }
}

function precedes(at: number, order: number, otherAt: number, otherOrder: number): boolean {
  return at < otherAt || (at === otherAt && order < otherOrder);
}
