import { signalSubprotocols } from './admission.js';
import { Backoff, SIGNALING_BACKOFF, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { CallError } from './errors.js';
import { signalingUrl } from './link.js';
import type { SocketFactory, SocketLike, TimerHandle, Timers } from './ports.js';
import { encodeClientMessage, parseServerMessage, type RelayType, type ServerMessage } from './protocol.js';

export interface SignalingOptions {
  readonly serverUrl: string;
  readonly id: string;
  readonly token: string;
  /** The room to join on registration (its members hear when we join and when our socket closes). */
  readonly room?: string;
  /** The room's admission token (admission.ts), resolved before the first socket opens. */
  readonly admission?: Promise<string>;
  readonly socketFactory: SocketFactory;
  readonly timers: Timers;
  /** The PeerJS server drops a socket it has not heard from in 90 s (alive_timeout); clients ping every 5 s. */
  readonly heartbeatMs?: number;
  /** How long to wait for the server's OPEN before calling it unreachable. */
  readonly openTimeoutMs?: number;
  /** The schedule of reconnect attempts after the socket dropped (default 0.25 s → 8 s, with jitter). */
  readonly backoff?: BackoffOptions;
}

type RelayedMessage = Extract<ServerMessage, { src: string }>;

/** While urgent (a call waits on signaling to recover its media), retries come at least this often… */
const URGENT_RETRY_CAP_MS = 1000;
/**
 * …and one attempt waits this long for OPEN before the next one starts: a SYN sent into a dead network is
 * retransmitted only 1 s, then 3 s later, so once the network is back a fresh attempt beats a late one.
 * Every other attempt waits longer, for a slow network (registration takes ~3 round trips).
 */
const URGENT_OPEN_TIMEOUTS_MS = [1500, 4500];
/** A probe's echo must come back within this; otherwise the socket is presumed dead and replaced. */
const PROBE_TIMEOUT_MS = 1500;
/** Once the server has shown it echoes, this many silent heartbeat periods mean a dead socket. */
const SILENT_PERIODS = 2.5;
/**
 * A check that runs far later than asked (a heartbeat half a period late, a probe a whole timeout late) says
 * our own page was held — a starved machine: bench:mesh with 6 people held main threads 10-15 s. The silence
 * was ours, and what the socket delivered meanwhile may still be queued behind the check: such a check asks
 * again instead of dropping a socket that is fine. (Background tabs' timers run up to ~1 s late: not held.)
 */
const LATE_HEARTBEAT = 1.5;
const LATE_PROBE = 2;

/** Registration failures that another attempt cannot fix. */
function isFatal(error: CallError): boolean {
  return (
    error.kind === 'id-taken' ||
    error.kind === 'busy' ||
    error.kind === 'full' ||
    error.kind === 'link-invalid'
  );
}

/** The server's ERROR at registration, as the call's failure. */
function registrationError(message: string): CallError {
  if (message === 'room-full') return new CallError('full', message);
  // The server did not take our proof of the link's secret: the link is not a whole, current one.
  if (message === 'not-admitted') return new CallError('link-invalid', message);
  return new CallError('server-error', message);
}

/**
 * A client of the PeerJS server protocol over one WebSocket at a time: register, heartbeat, send, receive,
 * and — once registered — reconnect with backoff whenever the socket drops, re-registering the same id and
 * token (the server hands the id and its room membership over to the new socket).
 *
 * A socket can die without closing (a network gone silent leaves TCP waiting for minutes). Every heartbeat
 * asks the server for an echo; once the server has answered one, a socket silent for 2.5 periods is
 * replaced, and `probe()` checks within 1.5 s when something depends on it.
 */
export class SignalingClient extends Emitter<{
  message: [RelayedMessage];
  /** Registered (again): everyone in our room, ourselves included, in the order they joined. */
  roster: [readonly string[]];
  /** The registered socket was lost; reconnect attempts follow until `reopen` or `fatal`. */
  drop: [];
  /** Registered again, with the same id, token and room. */
  reopen: [];
  /** The server refused the id or the room on a reconnect: nothing will bring signaling back. */
  fatal: [CallError];
}> {
  readonly #options: SignalingOptions;
  readonly #backoff: Backoff;
  #socket: SocketLike | undefined;
  #heartbeat: TimerHandle | undefined;
  #retry: TimerHandle | undefined;
  #probeTimer: TimerHandle | undefined;
  #open = false;
  #closed = false;
  /** Registered at least once: from then on a lost socket is reconnected. */
  #registered = false;
  #attempting = false;
  #urgent = false;
  /** The server answers heartbeats that ask for an echo (older servers may not). */
  #echoes = false;
  #lastHeard = 0;
  #admission: string | undefined;
  /** Settles a pending registration, so that close() while connecting leaves no promise or timer behind. */
  #cancelConnect: ((error: CallError) => void) | undefined;

  constructor(options: SignalingOptions) {
    super();
    this.#options = options;
    this.#backoff = new Backoff(options.backoff ?? SIGNALING_BACKOFF);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Reconnect attempts since the socket was last registered. */
  get retries(): number {
    return this.#backoff.attempts;
  }

  /** Opens the socket and resolves once the server has registered our id (no retry for this first one). */
  async connect(): Promise<void> {
    if (this.#options.admission) {
      this.#admission = await this.#options.admission;
      if (this.#closed) throw new CallError('server-unreachable', 'closed before the socket opened');
    }
    await this.#register(this.#options.openTimeoutMs ?? 10_000);
    this.#registered = true;
  }

  /** Sends a relayed message; false when the socket is not open (the caller decides whether that matters). */
  send(type: RelayType, dst: string, payload: unknown): boolean {
    if (!this.#open || !this.#socket) return false;
    this.#socket.send(encodeClientMessage(type, dst, payload));
    return true;
  }

  /**
   * While urgent, reconnect attempts come at least every second and give up on a silent server sooner:
   * a call recovering its media needs signaling back within a second of the network.
   */
  setUrgent(urgent: boolean): void {
    if (this.#urgent === urgent) return;
    this.#urgent = urgent;
    if (!urgent) return;
    if (this.#retry !== undefined) {
      this.#clearRetry();
      this.#scheduleReconnect();
    } else if (this.#attempting) {
      // An attempt started at leisure may wait 10 s on a silent server: a fresh one is faster now.
      this.#cancelConnect?.(new CallError('server-unreachable', 'replaced by an urgent attempt'));
    }
  }

  /**
   * The browser says the network changed (an interface came back, an address moved): tries now instead of
   * at the next scheduled attempt. An open socket is replaced too — it rode the old network, and TCP may
   * sit in retransmission backoff for seconds before it moves again; what the call sends next (trickled
   * candidates, a restart) should not wait for that.
   */
  networkChanged(): void {
    if (this.#closed || !this.#registered || this.#attempting) return;
    if (this.#open) {
      this.#teardown();
      this.emit('drop');
    }
    this.#clearRetry();
    this.#reconnect();
  }

  /**
   * Checks that the socket is alive: asks for an echo and, if none comes within 1.5 s, replaces the
   * socket. Without a server that echoes, there is nothing to check against.
   */
  probe(): void {
    if (!this.#open || !this.#echoes || this.#probeTimer !== undefined) return;
    const asked = this.#options.timers.now();
    this.#sendHeartbeat();
    this.#probeTimer = this.#options.timers.setTimeout(() => {
      this.#probeTimer = undefined;
      if (!this.#open || this.#lastHeard >= asked) return;
      if (this.#options.timers.now() - asked > LATE_PROBE * PROBE_TIMEOUT_MS) return this.probe();
      this.#drop();
    }, PROBE_TIMEOUT_MS);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelConnect?.(new CallError('server-unreachable', 'closed before the server answered'));
    this.#clearRetry();
    this.#teardown();
    this.removeAllListeners();
  }

  /** One registration attempt: a socket, then the server's OPEN within `timeoutMs`. */
  #register(timeoutMs: number): Promise<void> {
    const { serverUrl, id, token, room, socketFactory, timers } = this.#options;
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (error?: CallError) => {
        if (settled) return;
        settled = true;
        this.#cancelConnect = undefined;
        timers.clearTimeout(timeout);
        if (error) {
          this.#teardown();
          reject(error);
        } else resolve();
      };
      const timeout = timers.setTimeout(
        () => settle(new CallError('server-unreachable', 'no OPEN in time')),
        timeoutMs,
      );
      this.#cancelConnect = settle;
      let socket: SocketLike;
      try {
        // The token and admission ride in subprotocols, out of the URL that proxies log.
        const admission = this.#admission;
        socket = socketFactory(
          signalingUrl(serverUrl, { id, ...(room === undefined ? {} : { room }) }),
          signalSubprotocols({ token, ...(admission === undefined ? {} : { admission }) }),
        );
      } catch (error) {
        settle(new CallError('server-unreachable', String(error)));
        return;
      }
      this.#socket = socket;
      socket.onmessage = ({ data }) => {
        this.#lastHeard = timers.now();
        const message = parseServerMessage(data);
        if (!message) return;
        switch (message.type) {
          case 'OPEN':
            this.#open = true;
            this.#startHeartbeat();
            settle();
            if (message.members) this.emit('roster', message.members);
            return;
          case 'ID-TAKEN':
            settle(new CallError('id-taken', message.message));
            return;
          case 'ERROR':
          case 'INVALID-KEY':
            // Once open, an ERROR is about one message (or the server going away, whose close follows).
            if (!settled) settle(registrationError(message.message));
            return;
          case 'HEARTBEAT':
            this.#echoes = true;
            return;
          default:
            this.emit('message', message);
        }
      };
      socket.onerror = () => {
        settle(new CallError('server-unreachable', 'socket error'));
        if (this.#socket === socket) this.#drop();
      };
      socket.onclose = ({ code, reason }) => {
        settle(new CallError('server-unreachable', `closed ${code} ${reason}`));
        if (this.#socket === socket) this.#drop();
      };
    });
  }

  /** The registered socket is gone (closed, errored or silent): let it go and start reconnecting. */
  #drop(): void {
    const wasOpen = this.#open;
    this.#teardown();
    if (!wasOpen || this.#closed || !this.#registered) return;
    this.emit('drop');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retry !== undefined || this.#attempting) return;
    const delay = this.#backoff.next(this.#urgent ? URGENT_RETRY_CAP_MS : undefined);
    this.#retry = this.#options.timers.setTimeout(() => {
      this.#retry = undefined;
      this.#reconnect();
    }, delay);
  }

  #reconnect(): void {
    if (this.#closed || this.#open || this.#attempting) return;
    this.#attempting = true;
    const timeout = this.#urgent
      ? URGENT_OPEN_TIMEOUTS_MS[this.#backoff.attempts % 2]!
      : (this.#options.openTimeoutMs ?? 10_000);
    this.#register(timeout).then(
      () => {
        this.#attempting = false;
        if (this.#closed) return;
        this.#backoff.reset();
        this.emit('reopen');
      },
      (error: CallError) => {
        this.#attempting = false;
        if (this.#closed) return;
        if (isFatal(error)) {
          this.emit('fatal', error);
          this.close();
        } else this.#scheduleReconnect();
      },
    );
  }

  #startHeartbeat(): void {
    const { timers } = this.#options;
    const period = this.#options.heartbeatMs ?? 5000;
    this.#lastHeard = timers.now();
    // Whether the server echoes is learnt at once, not at the first heartbeat 5 s in: until then a dead
    // socket cannot be told from a quiet one. A call whose network went away in those first seconds kept
    // "sending" its restart offers into a dead socket for the whole outage, and after it they reached
    // nobody until TCP's own retransmission, up to ~25 s later (blackout e2e, partition past the limit).
    if (!this.#echoes) this.#sendHeartbeat();
    let tickAt = timers.now();
    this.#heartbeat = timers.setInterval(() => {
      if (!this.#open) return;
      const now = timers.now();
      const late = now - tickAt > LATE_HEARTBEAT * period;
      tickAt = now;
      if (this.#echoes && !late && now - this.#lastHeard > SILENT_PERIODS * period) return this.#drop();
      this.#sendHeartbeat();
    }, period);
  }

  #sendHeartbeat(): void {
    try {
      this.#socket?.send('{"type":"HEARTBEAT","payload":{"echo":true}}');
    } catch {
      // a socket closing under us: its close event follows
    }
  }

  #clearRetry(): void {
    if (this.#retry !== undefined) this.#options.timers.clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  #teardown(): void {
    this.#open = false;
    const { timers } = this.#options;
    if (this.#heartbeat !== undefined) timers.clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    if (this.#probeTimer !== undefined) timers.clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
      if (socket.readyState <= 1) socket.close(1000, 'bye');
    }
  }
}
