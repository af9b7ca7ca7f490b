import type { RedisClient } from './redis-link.js';
import type { BusHandler, BusMessage, SignalBus } from './signal-bus.js';

/**
 * Redis pub/sub, one channel per peer id (`<prefix>to:<id>`), plus `<prefix>online` where an instance says
 * which id just registered. Redis delivers one connection's publishes to a channel in order, so frames from
 * one instance to one peer stay in order. PUBLISH answers how many subscribers got it: 0 means nobody holds
 * the id now.
 */
export class RedisSignalBus implements SignalBus {
  readonly #handlers: BusHandler[] = [];
  readonly #onlineListeners: ((id: string) => void)[] = [];
  readonly #counts = new Map<string, number>();
  readonly #turns = new Map<string, Promise<void>>();
  readonly #channelPrefix: string;
  readonly #onlineChannel: string;

  constructor(
    private readonly commands: RedisClient,
    private readonly subscriber: RedisClient,
    prefix: string,
    /** A message that is not ours (another program on our channels): dropped, counted by the caller. */
    private readonly onBadMessage: () => void,
  ) {
    this.#channelPrefix = `${prefix}to:`;
    this.#onlineChannel = `${prefix}online`;
  }

  /** Subscribes to the online channel; peer channels follow as peers register. */
  async open(): Promise<void> {
    await this.subscriber.subscribe(this.#onlineChannel, this.#online);
  }

  onMessage(handler: BusHandler): void {
    this.#handlers.push(handler);
  }

  onOnline(listener: (id: string) => void): void {
    this.#onlineListeners.push(listener);
  }

  subscribe(id: string): Promise<void> {
    const count = (this.#counts.get(id) ?? 0) + 1;
    this.#counts.set(id, count);
    if (count > 1) return Promise.resolve();
    return this.#inTurn(id, () => this.subscriber.subscribe(this.#channelPrefix + id, this.#message));
  }

  unsubscribe(id: string): Promise<void> {
    const count = (this.#counts.get(id) ?? 0) - 1;
    if (count > 0) return Promise.resolve(void this.#counts.set(id, count));
    this.#counts.delete(id);
    return this.#inTurn(id, async () => {
      // Subscribed again meanwhile (a reconnect to this instance): keep the channel.
      if (this.#counts.has(id) || !this.subscriber.isReady) return;
      await this.subscriber.unsubscribe(this.#channelPrefix + id, this.#message);
    });
  }

  /**
   * One (un)subscription per id at a time: the client forgets a channel's listener only when Redis confirms
   * UNSUBSCRIBE, which must not land after a SUBSCRIBE of the same id sent meanwhile.
   */
  #inTurn(id: string, work: () => Promise<unknown>): Promise<void> {
    const previous = this.#turns.get(id) ?? Promise.resolve();
    const next = previous.then(work, work).then(() => undefined);
    this.#turns.set(id, next);
    void next
      .finally(() => {
        if (this.#turns.get(id) === next) this.#turns.delete(id);
      })
      .catch(() => undefined);
    return next;
  }

  /** Subscribes again to every id held here: for an outage during which a SUBSCRIBE could not be sent. */
  async resubscribeAll(): Promise<void> {
    const channels = [...this.#counts.keys()].map((id) => this.#channelPrefix + id);
    for (let i = 0; i < channels.length; i += 1000)
      await this.subscriber.subscribe(channels.slice(i, i + 1000), this.#message);
  }

  async publish(dst: string, message: BusMessage): Promise<boolean> {
    return (await this.commands.publish(this.#channelPrefix + dst, JSON.stringify(message))) > 0;
  }

  async announce(id: string): Promise<void> {
    await this.commands.publish(this.#onlineChannel, id);
  }

  readonly #message = (text: string, channel: string): void => {
    const dst = channel.slice(this.#channelPrefix.length);
    let message: BusMessage;
    try {
      message = parseBusMessage(text);
    } catch {
      this.onBadMessage();
      return;
    }
    for (const handler of this.#handlers) handler(dst, message);
  };

  readonly #online = (id: string): void => {
    for (const listener of this.#onlineListeners) listener(id);
  };
}

/** Our own messages, checked anyway: anyone who can reach Redis can publish on these channels. */
function parseBusMessage(text: string): BusMessage {
  const raw = JSON.parse(text) as Partial<Record<string, unknown>>;
  if (raw.kind === 'frames' && Array.isArray(raw.frames)) {
    const frames = raw.frames.map((frame: Partial<Record<string, unknown>>) => {
      if (typeof frame.src !== 'string' || typeof frame.data !== 'string') throw new TypeError('frame');
      const relay = frame.relay as { room?: unknown } | undefined;
      if (relay === undefined) return { src: frame.src, data: frame.data };
      if (typeof relay !== 'object' || relay === null) throw new TypeError('frame');
      return {
        src: frame.src,
        data: frame.data,
        relay: typeof relay.room === 'string' ? { room: relay.room } : {},
      };
    });
    return { kind: 'frames', frames };
  }
  if (raw.kind === 'replaced' && typeof raw.by === 'string')
    return { kind: 'replaced', by: raw.by, room: typeof raw.room === 'string' ? raw.room : undefined };
  throw new TypeError('unknown bus message');
}
