import { createClient } from 'redis';

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisLinkOptions {
  /** Connection trouble after startup (the clients keep reconnecting meanwhile). */
  readonly onError: (error: Error) => void;
  /** Both connections are back after an outage. */
  readonly onRestored: () => void;
}

/**
 * The cluster's two Redis connections: one for commands and publishing, one subscribed to peer channels
 * (a subscribed connection can do nothing else). Commands fail at once while Redis is away; the clients
 * reconnect, backing off to 5 s, and the subscriber subscribes again to what it had.
 */
export class RedisLink {
  readonly commands: RedisClient;
  readonly subscriber: RedisClient;
  #opened = false;
  #wasDown = false;
  /** Since when both connections have been up without a break (0: not up). */
  #upSince = 0;

  constructor(
    url: string,
    private readonly options: RedisLinkOptions,
  ) {
    const make = () =>
      createClient({
        url,
        disableOfflineQueue: true,
        socket: {
          connectTimeout: 5000,
          reconnectStrategy: (retries, cause) =>
            this.#opened ? Math.min(100 * 2 ** retries, 5000) : retries >= 2 ? cause : 200,
        },
      });
    this.commands = make();
    this.subscriber = make();
    for (const client of [this.commands, this.subscriber]) {
      // Without a listener, a connection error would throw out of the EventEmitter and end the process.
      client.on('error', (error: Error) => {
        if (this.#opened) this.#down(error);
      });
      client.on('end', () => this.#opened && this.#down(undefined));
      client.on('reconnecting', () => this.#opened && this.#down(undefined));
      client.on('ready', () => this.#maybeUp());
    }
  }

  async open(): Promise<void> {
    try {
      await Promise.all([this.commands.connect(), this.subscriber.connect()]);
    } catch (error) {
      throw (error as { socketError?: unknown }).socketError ?? error;
    }
    this.#opened = true;
    this.#upSince = Date.now();
  }

  /** Both connections are ready. */
  get healthy(): boolean {
    return this.commands.isReady && this.subscriber.isReady;
  }

  /** How long both connections have been up without a break, in ms (0 while either is down). */
  get upForMs(): number {
    return this.healthy && this.#upSince > 0 ? Date.now() - this.#upSince : 0;
  }

  async close(): Promise<void> {
    this.#opened = false;
    await Promise.all(
      [this.commands, this.subscriber].map((client) => (client.isOpen ? client.close() : undefined)),
    );
  }

  #down(error: Error | undefined): void {
    this.#upSince = 0;
    const first = !this.#wasDown;
    this.#wasDown = true;
    if (error && first) this.options.onError(error);
  }

  #maybeUp(): void {
    if (!this.#opened || !this.healthy || !this.#wasDown) return;
    this.#wasDown = false;
    this.#upSince = Date.now();
    this.options.onRestored();
  }
}
