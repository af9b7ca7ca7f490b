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
  readonly socketFactory: SocketFactory;
  readonly timers: Timers;
  /** The PeerJS server drops a socket it has not heard from in 90 s (alive_timeout); clients ping every 5 s. */
  readonly heartbeatMs?: number;
  /** How long to wait for the server's OPEN before calling it unreachable. */
  readonly openTimeoutMs?: number;
}

type RelayedMessage = Extract<ServerMessage, { src: string }>;

/** A client of the PeerJS server protocol over one WebSocket: register, heartbeat, send and receive. */
export class SignalingClient extends Emitter<{
  message: [RelayedMessage];
  /** The socket closed after it had opened (the error says why when the server said so). */
  close: [CallError | undefined];
}> {
  readonly #options: SignalingOptions;
  #socket: SocketLike | undefined;
  #heartbeat: TimerHandle | undefined;
  #open = false;
  #closed = false;
  /** Settles a pending connect(), so that close() while connecting leaves no promise or timer behind. */
  #cancelConnect: ((error: CallError) => void) | undefined;

  constructor(options: SignalingOptions) {
    super();
    this.#options = options;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Opens the socket and resolves once the server has registered our id. */
  connect(): Promise<void> {
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
        this.#options.openTimeoutMs ?? 10_000,
      );
      this.#cancelConnect = settle;
      let socket: SocketLike;
      try {
        socket = socketFactory(
          signalingUrl(serverUrl, { id, token, ...(room === undefined ? {} : { room }) }),
        );
      } catch (error) {
        settle(new CallError('server-unreachable', String(error)));
        return;
      }
      this.#socket = socket;
      socket.onmessage = ({ data }) => {
        const message = parseServerMessage(data);
        if (!message) return;
        switch (message.type) {
          case 'OPEN':
            this.#open = true;
            this.#startHeartbeat();
            settle();
            return;
          case 'ID-TAKEN':
            settle(new CallError('id-taken', message.message));
            return;
          case 'ERROR':
          case 'INVALID-KEY':
            if (!settled)
              settle(
                new CallError(message.message === 'room-full' ? 'busy' : 'server-error', message.message),
              );
            return;
          case 'HEARTBEAT':
            return;
          default:
            this.emit('message', message);
        }
      };
      socket.onerror = () => settle(new CallError('server-unreachable', 'socket error'));
      socket.onclose = ({ code, reason }) => {
        const wasOpen = this.#open;
        settle(new CallError('server-unreachable', `closed ${code} ${reason}`));
        if (wasOpen && !this.#closed) {
          this.#teardown();
          this.emit('close', undefined);
        }
      };
    });
  }

  /** Sends a relayed message; false when the socket is not open (the caller decides whether that matters). */
  send(type: RelayType, dst: string, payload: unknown): boolean {
    if (!this.#open || !this.#socket) return false;
    this.#socket.send(encodeClientMessage(type, dst, payload));
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelConnect?.(new CallError('server-unreachable', 'closed before the server answered'));
    this.#teardown();
    this.removeAllListeners();
  }

  #startHeartbeat(): void {
    const { timers } = this.#options;
    this.#heartbeat = timers.setInterval(() => {
      if (this.#open) this.#socket?.send(encodeClientMessage('HEARTBEAT'));
    }, this.#options.heartbeatMs ?? 5000);
  }

  #teardown(): void {
    this.#open = false;
    if (this.#heartbeat !== undefined) this.#options.timers.clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
      if (socket.readyState <= 1) socket.close(1000, 'bye');
    }
  }
}
