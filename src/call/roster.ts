/** Everyone registered in the room (from the server), and who of them said they are in the call. */
export class Roster {
  readonly #me: string;
  /** Members in the order the server says they joined (ourselves included), for "Guest 1, 2…". */
  readonly #order: string[] = [];
  readonly #present = new Set<string>();
  readonly #inCall = new Set<string>();
  /** Members who said they are on their preview, ready for an offer made ahead (hello 'preview'). */
  readonly #previewing = new Set<string>();

  constructor(
    me: string,
    readonly capacity: number,
  ) {
    this.#me = me;
  }

  /** The server's list on (re)registration: it replaces what we knew (a reconnect may have missed leaves). */
  reset(members: readonly string[]): void {
    this.#present.clear();
    for (const id of members.slice(0, this.capacity * 4)) this.add(id);
    for (const id of [...this.#inCall]) if (!this.#present.has(id)) this.#inCall.delete(id);
    for (const id of [...this.#previewing]) if (!this.#present.has(id)) this.#previewing.delete(id);
  }

  add(id: string): void {
    if (this.#present.has(id)) return;
    this.#present.add(id);
    if (!this.#order.includes(id)) {
      this.#order.push(id);
      // A flood of joins and leaves must not grow this without bound.
      if (this.#order.length > this.capacity * 8) {
        const gone = this.#order.findIndex((m) => !this.#present.has(m));
        if (gone !== -1) this.#order.splice(gone, 1);
      }
    }
  }

  remove(id: string): void {
    this.#present.delete(id);
    this.#inCall.delete(id);
    this.#previewing.delete(id);
  }

  /** `id` said it is on its preview, ready for an offer made ahead. */
  preview(id: string): void {
    if (id === this.#me) return;
    this.add(id);
    this.#previewing.add(id);
  }

  /** Whether `id` said it was on its preview (an offer made ahead since then reached it ready). */
  previewed(id: string): boolean {
    return this.#previewing.has(id);
  }

  /** `id` said it is in the call. */
  enter(id: string): void {
    if (id === this.#me) return;
    this.add(id);
    this.#inCall.add(id);
  }

  /** Registered in the room now. */
  has(id: string): boolean {
    return this.#present.has(id);
  }

  inCall(id: string): boolean {
    return this.#inCall.has(id);
  }

  /** Other members registered now. */
  others(): string[] {
    return [...this.#present].filter((id) => id !== this.#me);
  }

  /** 1 for the first to join the room, 2 for the next… (the same on every side: the server's order). */
  position(id: string): number {
    const index = this.#order.indexOf(id);
    return index === -1 ? this.#order.length + 1 : index + 1;
  }
}
