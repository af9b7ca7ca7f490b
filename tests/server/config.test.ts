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
    });
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
    [{}, ['--peer-key= '], /PEER_KEY must not be empty/],
    [{}, ['--prot=9000'], /Unknown argument "--prot=9000"\. Expected flags: --port=…/],
    [{}, ['--port', '9000'], /Unknown argument "--port"/],
  ] as const)('rejects %o %o with a clear message', (env, argv, message) => {
    expect(() => loadConfig(env, argv)).toThrow(ConfigError);
    expect(() => loadConfig(env, argv)).toThrow(message);
  });
});
