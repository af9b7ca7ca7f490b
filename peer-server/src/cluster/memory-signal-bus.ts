import type { BusHandler, BusMessage, SignalBus } from './signal-bus.js';

/** The single-process bus: a message reaches an id only if it is subscribed in this process. */
export class MemorySignalBus implements SignalBus {
  readonly #subscribed = new Map<string, number>();
  readonly #handlers: BusHandler[] = [];
  readonly #onlineListeners: ((id: string) => void)[] = [];

  onMessage(handler: BusHandler): void {
    this.#handlers.push(handler);
  }

  onOnline(listener: (id: string) => void): void {
    this.#onlineListeners.push(listener);
  }

  async subscribe(id: string): Promise<void> {
    this.#subscribed.set(id, (this.#subscribed.get(id) ?? 0) + 1);
  }

  async unsubscribe(id: string): Promise<void> {
    const count = (this.#subscribed.get(id) ?? 0) - 1;
    if (count > 0) this.#subscribed.set(id, count);
    else this.#subscribed.delete(id);
  }

  async publish(dst: string, message: BusMessage): Promise<boolean> {
    if (!this.#subscribed.has(dst)) return false;
    for (const handler of this.#handlers) handler(dst, message);
    return true;
  }

  async announce(id: string): Promise<void> {
    for (const listener of this.#onlineListeners) listener(id);
  }
}
