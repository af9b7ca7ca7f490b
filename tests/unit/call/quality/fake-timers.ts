import type { TimerHandle, Timers } from '../../../../src/call/ports.js';

interface Timer {
  at: number;
  readonly fn: () => void;
  readonly every: number | undefined;
}

/** A clock the test moves by hand; `advance` runs due timers in order and lets promises settle after each. */
export class FakeTimers implements Timers {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  clearInterval(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Timers still scheduled. */
  get pending(): number {
    return this.#timers.size;
  }

  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()]
        .filter(([, timer]) => timer.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, timer] = due;
      this.#now = timer.at;
      if (timer.every === undefined) this.#timers.delete(id);
      else timer.at += timer.every;
      timer.fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }

  #add(fn: () => void, ms: number, every: number | undefined): number {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + ms, fn, every });
    return id;
  }
}

/** Lets every pending promise callback run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
