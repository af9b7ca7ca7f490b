import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../peer-server/src/config.js';

describe('loadConfig', () => {
  it('has defaults that need no environment', () => {
    expect(loadConfig({}, [])).toEqual({
      port: 9000,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:9000',
      peerKey: 'peerjs',
      maxFrameBytes: 65536,
      joinDir: resolve(import.meta.dirname, '../../dist-web/join'),
      roomCapacity: 6,
      roomTtlSeconds: 3600,
      redisUrl: undefined,
      turnUrls: [],
      turnSecret: undefined,
      turnTtlSeconds: 600,
      reconnectLimitSeconds: 60,
      maxConnectionsPerIp: 50,
      maxConnections: 10000,
      maxBufferedBytes: 64 * 1024 * 1024,
      stuckReaderSeconds: 5,
      turnQuotaPerIp: 60,
      logIdKey: undefined,
      rateLimitPerSecond: 50,
      rateLimitBurst: 200,
      allowedOrigins: [],
      trustProxy: 0,
      instanceId: expect.stringMatching(/^[A-Za-z0-9_.-]+-\d+-[0-9a-f]{6}$/),
      clusterHeartbeatMs: 5000,
    });
    // Two processes (or one restarted) never share a name by default.
    expect(loadConfig({}, []).instanceId).not.toBe(loadConfig({}, []).instanceId);
  });

  it('reads rooms, Redis, TURN, limits and origins from env and flags', () => {
    const config = loadConfig(
      {
        ROOM_CAPACITY: '4',
        ROOM_TTL_SECONDS: '600',
        REDIS_URL: 'redis://:p%40ss@redis.internal:6379/2',
        TURN_URLS:
          ' stun:turn.example.org:3478 , turn:turn.example.org:3478?transport=udp,,turns:turn.example.org:5349',
        TURN_SECRET: 's3cret',
        MAX_CONNECTIONS_PER_IP: '20',
        MAX_CONNECTIONS: '500',
        MAX_BUFFERED_BYTES: '16777216',
        STUCK_READER_SECONDS: '3',
        TURN_QUOTA_PER_IP: '10',
        LOG_ID_KEY: 'log-key',
        RATE_LIMIT_PER_SECOND: '10',
        ALLOWED_ORIGINS: 'https://App.Example.net, http://localhost:5173',
        INSTANCE_ID: 'signal-b.eu_1',
        CLUSTER_HEARTBEAT_MS: '2000',
      },
      ['--turn-ttl=900', '--rate-limit-burst=40', '--trust-proxy=1', '--reconnect-limit-seconds=20'],
    );
    expect(config).toMatchObject({
      roomCapacity: 4,
      roomTtlSeconds: 600,
      redisUrl: 'redis://:p%40ss@redis.internal:6379/2',
      turnUrls: [
        'stun:turn.example.org:3478',
        'turn:turn.example.org:3478?transport=udp',
        'turns:turn.example.org:5349',
      ],
      turnSecret: 's3cret',
      turnTtlSeconds: 900,
      reconnectLimitSeconds: 20,
      maxConnectionsPerIp: 20,
      maxConnections: 500,
      maxBufferedBytes: 16 * 1024 * 1024,
      stuckReaderSeconds: 3,
      turnQuotaPerIp: 10,
      logIdKey: 'log-key',
      rateLimitPerSecond: 10,
      rateLimitBurst: 40,
      allowedOrigins: ['https://app.example.net', 'http://localhost:5173'],
      trustProxy: 1,
      instanceId: 'signal-b.eu_1',
      clusterHeartbeatMs: 2000,
    });
  });

  it('reads the environment, and flags override it', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        PUBLIC_URL: 'https://calls.example.org/diyalog/',
        PEER_KEY: 'k',
        JOIN_DIR: '/srv/join',
        JOIN_PAGE_URL: 'https://join.example.net/',
      },
      ['--port=8443', '--max-frame-bytes=4096'],
    );
    expect(config).toMatchObject({
      port: 8443,
      host: '0.0.0.0',
      publicUrl: 'https://calls.example.org/diyalog',
      peerKey: 'k',
      maxFrameBytes: 4096,
      joinDir: '/srv/join',
      joinPageUrl: 'https://join.example.net',
    });
    expect(loadConfig({}, []).joinPageUrl).toBeUndefined();
  });

  it('derives the public URL from host and port, bracketing IPv6', () => {
    expect(loadConfig({ HOST: '::1' }, ['--port=9001']).publicUrl).toBe('http://[::1]:9001');
  });

  it.each([
    [{ PORT: 'abc' }, [], /PORT must be a whole number from 0 to 65535, got "abc"/],
    [{ PORT: '70000' }, [], /PORT must be a whole number/],
    [{}, ['--port=-1'], /PORT must be a whole number/],
    [{ MAX_FRAME_BYTES: '1e6' }, [], /MAX_FRAME_BYTES must be a whole number from 1024/],
    [{ MAX_FRAME_BYTES: '100' }, [], /MAX_FRAME_BYTES must be a whole number from 1024/],
    [{ PUBLIC_URL: 'calls.example.org' }, [], /PUBLIC_URL must be an absolute URL/],
    [{ PUBLIC_URL: 'ftp://calls.example.org' }, [], /PUBLIC_URL must start with http/],
    [{ JOIN_PAGE_URL: 'join.example.net' }, [], /JOIN_PAGE_URL must be an absolute URL/],
    [{}, ['--join-page-url=https://join.example.net/#x'], /JOIN_PAGE_URL must not have a query or fragment/],
    [{}, ['--peer-key= '], /PEER_KEY must not be empty/],
    [{}, ['--prot=9000'], /Unknown argument "--prot=9000"\. Expected flags: --port=…/],
    [{}, ['--port', '9000'], /Unknown argument "--port"/],
    [{ ROOM_CAPACITY: '1' }, [], /ROOM_CAPACITY must be a whole number from 2 to 1000/],
    [{ ROOM_TTL_SECONDS: '5' }, [], /ROOM_TTL_SECONDS must be a whole number from 60/],
    [{ REDIS_URL: 'localhost:6379' }, [], /REDIS_URL must look like redis:\/\/host:6379/],
    [{ TURN_URLS: 'http://turn.example.org' }, [], /TURN_URLS entries must look like stun:host:3478/],
    [{ TURN_URLS: 'turn:turn.example.org' }, [], /TURN_SECRET \(coturn static-auth-secret\) must be set/],
    [{ TURN_SECRET: 'x' }, [], /TURN_SECRET is set, but TURN_URLS has no turn: or turns: URL/],
    [{ TURN_URLS: 'turn:t', TURN_SECRET: 'x', TURN_TTL: '0' }, [], /TURN_TTL must be a whole number from 60/],
    [{ MAX_CONNECTIONS_PER_IP: '0' }, [], /MAX_CONNECTIONS_PER_IP must be a whole number from 1/],
    [{ RATE_LIMIT_PER_SECOND: '1.5' }, [], /RATE_LIMIT_PER_SECOND must be a whole number/],
    [{}, ['--rate-limit-burst=0'], /RATE_LIMIT_BURST must be a whole number from 1/],
    [{ ALLOWED_ORIGINS: 'https://app.example.net/path' }, [], /ALLOWED_ORIGINS entries must be origins/],
    [{ TRUST_PROXY: '11' }, [], /TRUST_PROXY must be a whole number from 0 to 10/],
    [{ INSTANCE_ID: 'a b' }, [], /INSTANCE_ID must be 1–64 letters, digits/],
    [{ CLUSTER_HEARTBEAT_MS: '20000' }, [], /CLUSTER_HEARTBEAT_MS must be a whole number from 100 to 10000/],
  ] as const)('rejects %o %o with a clear message', (env, argv, message) => {
    expect(() => loadConfig(env, argv)).toThrow(ConfigError);
    expect(() => loadConfig(env, argv)).toThrow(message);
  });
});
