import type { TimerHandle, Timers } from '../ports.js';

/** One-shot timers by name: scheduling a name again replaces it; `clear()` releases them all. */
export class NamedTimers {
  readonly #timers: Timers;
  readonly #handles = new Map<string, TimerHandle>();

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  schedule(name: string, ms: number, fn: () => void): void {
    this.cancel(name);
    const handle = this.#timers.setTimeout(() => {
      this.#handles.delete(name);
      fn();
    }, ms);
    this.#handles.set(name, handle);
  }

  cancel(name: string): void {
    const handle = this.#handles.get(name);
    if (handle === undefined) return;
    this.#timers.clearTimeout(handle);
    this.#handles.delete(name);
  }

  has(name: string): boolean {
    return this.#handles.has(name);
  }

  clear(): void {
    for (const handle of this.#handles.values()) this.#timers.clearTimeout(handle);
    this.#handles.clear();
  }
}
