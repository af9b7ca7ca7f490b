import { afterEach, describe, expect, it } from 'vitest';
import { parseMetrics, newRoom, RawClient, startServer, type RunningServer } from './helpers.js';

let running: RunningServer | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await running?.server.close();
  running = undefined;
});

describe('GET /metrics', () => {
  it('is Prometheus text with HELP and TYPE for every metric', async () => {
    running = await startServer();
    const response = await fetch(`${running.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    const values = parseMetrics(text);
    for (const name of [
      'diyalog_peers_connected',
      'diyalog_rooms_active',
      'diyalog_messages_relayed_total',
      'diyalog_frames_rejected_total',
      'diyalog_messages_rate_limited_total',
      'diyalog_connections_rejected_total',
      'diyalog_turn_credentials_issued_total',
    ]) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} .+$`, 'm'));
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'));
    }
    expect(values.get('diyalog_peers_connected')).toBe(0);
    expect(values.get('diyalog_messages_relayed_total')).toBe(0);
  });

  it('counts peers, rooms, relayed messages, rejected frames and connections, rate-limited messages', async () => {
    running = await startServer({ rateLimitBurst: 5, rateLimitPerSecond: 1, maxConnectionsPerIp: 4 });
    const { port, url } = running;
    const room = newRoom();
    const connect = async (id: string, options = {}) => {
      const client = await RawClient.register(port, id, `token-${id}`, 'peerjs', options);
      clients.push(client);
      return client;
    };
    const host = await connect(room, { room });
    const guest = await connect('guest', { room });
    await connect('loner');
    await host.next(); // ROOM-JOIN

    guest.send({ type: 'OFFER', dst: room, payload: 1 });
    await host.next();
    host.send({ type: 'ANSWER', dst: 'guest', payload: 2 });
    await guest.next();
    guest.send({ type: 'OFFER', dst: 42 }); // invalid-dst
    await guest.next();
    const shouter = await connect('shouter');
    for (let i = 0; i < 7; i++) shouter.send({ type: 'HEARTBEAT' }); // 5 pass, 2 are rate-limited
    await shouter.next();
    await shouter.next();
    const extra = RawClient.connect(port, 'extra');
    clients.push(extra);
    await extra.closedWithin(); // too-many-connections

    const values = parseMetrics(await (await fetch(`${url}/metrics`)).text());
    expect(Object.fromEntries(values)).toMatchObject({
      diyalog_peers_connected: 4,
      diyalog_rooms_active: 1,
      diyalog_messages_relayed_total: 2,
      'diyalog_frames_rejected_total{reason="invalid-dst"}': 1,
      diyalog_messages_rate_limited_total: 2,
      'diyalog_connections_rejected_total{reason="too-many-connections"}': 1,
      diyalog_turn_credentials_issued_total: 0,
    });
  });
});
