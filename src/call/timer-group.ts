import type { TimerHandle, Timers } from './ports.js';

/** One-shot timers released together (`clear()`); each forgets itself once it has run. */
export class TimerGroup {
  readonly #timers: Timers;
  readonly #handles = new Set<TimerHandle>();

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  after(ms: number, fn: () => void): void {
    const handle = this.#timers.setTimeout(() => {
      this.#handles.delete(handle);
      fn();
    }, ms);
    this.#handles.add(handle);
  }

  clear(): void {
    for (const handle of this.#handles) this.#timers.clearTimeout(handle);
    this.#handles.clear();
  }
}
