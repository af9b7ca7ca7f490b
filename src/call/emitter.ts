// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listeners of any event share one map
type Listener = (...args: any[]) => void;

/** A small typed event emitter; `on` returns the function that removes the listener. */
export class Emitter<Events extends Record<string, unknown[]>> {
  readonly #listeners = new Map<keyof Events, Set<Listener>>();

  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) listener(...args);
  }

  protected removeAllListeners(): void {
    this.#listeners.clear();
  }
}
