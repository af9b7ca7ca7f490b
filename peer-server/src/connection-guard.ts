import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { ipKey } from './client-ip.js';

export interface ConnectionCaps {
  /** TCP connections one address (IPv6: one /64) may hold; 0 turns the per-address count off. */
  readonly perIp: number;
  /** TCP connections the whole server holds. */
  readonly total: number;
}

/**
 * Counts connections at TCP accept, before any HTTP or WebSocket work, and destroys those over a cap at
 * once: sockets that never finish an upgrade, or never close, cannot pile up behind the WebSocket count.
 */
export function guardConnections(
  server: Server,
  caps: ConnectionCaps,
  onRefused: (reason: 'too-many-connections' | 'server-full') => void,
): { readonly open: number } {
  const perIp = new Map<string, number>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    const key = ipKey(socket.remoteAddress ?? 'unknown');
    const fromIp = perIp.get(key) ?? 0;
    if (open >= caps.total || (caps.perIp > 0 && fromIp >= caps.perIp)) {
      onRefused(open >= caps.total ? 'server-full' : 'too-many-connections');
      socket.destroy();
      return;
    }
    open += 1;
    perIp.set(key, fromIp + 1);
    socket.once('close', () => {
      open -= 1;
      const left = (perIp.get(key) ?? 1) - 1;
      if (left > 0) perIp.set(key, left);
      else perIp.delete(key);
    });
  });
  return {
    get open() {
      return open;
    },
  };
}

/** Says a refusal once per key (reason and address) per window, however many come. */
export class RefusalLog {
  readonly #last = new Map<string, number>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  shouldLog(reason: string, ip: string): boolean {
    const key = `${reason} ${ipKey(ip)}`;
    const now = this.now();
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.windowMs) return false;
    if (this.#last.size > 10_000) this.#prune(now);
    this.#last.set(key, now);
    return true;
  }

  #prune(now: number): void {
    for (const [key, at] of this.#last) if (now - at >= this.windowMs) this.#last.delete(key);
  }
}
