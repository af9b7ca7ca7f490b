import { connect, type Socket } from 'node:net';

/**
 * A minimal WebSocket client for load generation: a hand-written upgrade request over `net`, unfragmented text
 * frames out and in, nothing else. The `ws` client spends ~0.45 ms of CPU per handshake (shared/FIELD-NOTES.md),
 * which would make the load generator, not the server, the bottleneck at 20k connections.
 */

export interface RawSocketOptions {
  readonly port: number;
  /** Path and query, e.g. `/signal/peerjs?key=peerjs&id=p1&token=t1`. */
  readonly target: string;
  /** Bind the source address and port explicitly: Linux's own port search gets slow past ~14k connections. */
  readonly localAddress?: string;
  readonly localPort?: number;
}

export interface RawSocketEvents {
  /** The server accepted the upgrade. */
  onUpgrade(): void;
  onText(text: string): void;
  /** The socket is gone (or never came up); `reason` says why. */
  onClose(reason: string): void;
}

const HANDSHAKE_END = Buffer.from('\r\n\r\n');

export class RawWebSocket {
  readonly #socket: Socket;
  #upgraded = false;
  #closed = false;
  #buffer: Buffer = Buffer.alloc(0);

  constructor(
    options: RawSocketOptions,
    private readonly events: RawSocketEvents,
  ) {
    this.#socket = connect({
      host: '127.0.0.1',
      port: options.port,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      ...(options.localPort === undefined ? {} : { localPort: options.localPort }),
    });
    this.#socket.setNoDelay(true);
    // The server ignores the key's value; the accept hash is not checked back either (we trust our own server).
    this.#socket.write(
      `GET ${options.target} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\nUpgrade: websocket\r\n` +
        'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    this.#socket.on('data', (chunk) => this.#onData(chunk));
    this.#socket.on('error', (error: NodeJS.ErrnoException) => this.#close(error.code ?? error.message));
    this.#socket.on('close', () =>
      this.#close(this.#upgraded ? 'closed by server' : 'closed before upgrade'),
    );
  }

  /** Sends a frame made by `encodeText` (built once, sent to many). */
  send(frame: Buffer): void {
    if (!this.#closed) this.#socket.write(frame);
  }

  destroy(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.events.onClose(reason);
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (!this.#upgraded) {
      const end = this.#buffer.indexOf(HANDSHAKE_END);
      if (end < 0) return;
      const status = this.#buffer.toString('latin1', 0, Math.min(end, 40));
      if (!status.startsWith('HTTP/1.1 101')) return this.#close(status.split('\r\n')[0] ?? 'bad response');
      this.#upgraded = true;
      this.#buffer = this.#buffer.subarray(end + HANDSHAKE_END.length);
      this.events.onUpgrade();
    }
    this.#readFrames();
  }

  #readFrames(): void {
    let buffer = this.#buffer;
    while (buffer.length >= 2 && !this.#closed) {
      const opcode = buffer[0]! & 0x0f;
      let length = buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) break;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) break;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffer.length < offset + length) break;
      const payload = buffer.subarray(offset, offset + length);
      buffer = buffer.subarray(offset + length);
      if (opcode === 0x1) this.events.onText(payload.toString('utf8'));
      else if (opcode === 0x8) this.#close(`close frame ${length >= 2 ? payload.readUInt16BE(0) : ''}`);
      else if (opcode === 0x9) this.send(encodeFrame(0xa, payload)); // ping → pong
    }
    this.#buffer = buffer.length === 0 ? Buffer.alloc(0) : buffer;
  }
}

/** A masked client text frame. The mask key is all zeros, so the payload goes out as is (servers accept it). */
export function encodeText(text: string): Buffer {
  return encodeFrame(0x1, Buffer.from(text, 'utf8'));
}

function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const header =
    n < 126
      ? Buffer.from([0x80 | opcode, 0x80 | n, 0, 0, 0, 0])
      : n < 65_536
        ? Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 0xff, 0, 0, 0, 0])
        : (() => {
            const long = Buffer.alloc(14);
            long[0] = 0x80 | opcode;
            long[1] = 0x80 | 127;
            long.writeBigUInt64BE(BigInt(n), 2);
            return long;
          })();
  return Buffer.concat([header, payload]);
}
