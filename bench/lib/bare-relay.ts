import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * The floor for `npm run bench:signal`: the PeerJS wire protocol on `ws` with nothing else — OPEN on connect,
 * {type,dst,payload} relayed with `src` added, HEARTBEAT ignored. No validation, limits, rooms or queues.
 */
export function startBareRelay(host: string, maxPayload: number): Promise<number> {
  const peers = new Map<string, WebSocket>();
  const wss = new WebSocketServer({ host, port: 0, maxPayload });
  wss.on('connection', (ws, req) => {
    const id = new URL(req.url ?? '/', 'http://relay').searchParams.get('id') ?? '';
    ws.on('error', () => {});
    if (id === '' || peers.has(id)) return ws.close(1008);
    peers.set(id, ws);
    ws.send('{"type":"OPEN"}');
    ws.on('message', (data) => {
      let message: { type?: unknown; dst?: unknown; payload?: unknown };
      try {
        message = JSON.parse(String(data)) as typeof message;
      } catch {
        return ws.close(1007);
      }
      if (message.type === 'HEARTBEAT' || typeof message.dst !== 'string') return;
      const { type, dst, payload } = message;
      peers.get(dst)?.send(JSON.stringify({ type, src: id, dst, payload }));
    });
    ws.on('close', () => {
      if (peers.get(id) === ws) peers.delete(id);
    });
  });
  return new Promise((resolve) => wss.on('listening', () => resolve((wss.address() as AddressInfo).port)));
}
