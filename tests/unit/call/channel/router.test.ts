import { describe, expect, it } from 'vitest';
import { MAX_SHARE_TITLE } from '../../../../src/call/channel/messages.js';
import type { ChannelContext } from '../../../../src/call/channel/handler.js';
import { MAX_FRAME_BYTES, parsePeerMessage, route } from '../../../../src/call/channel/router.js';
import { MAX_NAME_LENGTH } from '../../../../src/call/names.js';

describe('parsePeerMessage', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('reads bye and media from a string', () => {
    expect(parsePeerMessage('{"t":"bye"}')).toEqual({ t: 'bye' });
    expect(parsePeerMessage('{"t":"media","audio":false,"video":true}')).toEqual({
      t: 'media',
      audio: false,
      video: true,
    });
  });

  it('reads ping and pong with their counter, and nothing without a whole number', () => {
    expect(parsePeerMessage('{"t":"ping","n":3}')).toEqual({ t: 'ping', n: 3 });
    expect(parsePeerMessage('{"t":"pong","n":0}')).toEqual({ t: 'pong', n: 0 });
    expect(parsePeerMessage('{"t":"ping"}')).toBeUndefined();
    expect(parsePeerMessage('{"t":"pong","n":1.5}')).toBeUndefined();
    expect(parsePeerMessage('{"t":"ping","n":"1"}')).toBeUndefined();
  });

  it('reads the same from bytes', () => {
    expect(parsePeerMessage(bytes('{"t":"bye"}'))).toEqual({ t: 'bye' });
    expect(parsePeerMessage(bytes('{"t":"media","audio":true,"video":false}'))).toEqual({
      t: 'media',
      audio: true,
      video: false,
    });
    expect(parsePeerMessage(Buffer.from('{"t":"bye"}'))).toEqual({ t: 'bye' });
  });

  it('keeps only the known fields', () => {
    expect(parsePeerMessage('{"t":"bye","extra":1}')).toEqual({ t: 'bye' });
    expect(parsePeerMessage('{"t":"media","audio":true,"video":true,"x":2}')).toEqual({
      t: 'media',
      audio: true,
      video: true,
    });
  });

  it.each([
    ['a number', 5],
    ['null', null],
    ['an object', { t: 'bye' }],
    ['an ArrayBuffer', bytes('{"t":"bye"}').buffer],
    ['bad JSON', '{"t":'],
    ['JSON null', 'null'],
    ['an unknown t', '{"t":"hello"}'],
    ['media without video', '{"t":"media","audio":true}'],
    ['media with a string flag', '{"t":"media","audio":"yes","video":true}'],
    ['bad JSON bytes', bytes('not json')],
  ])('ignores %s', (_, data) => {
    expect(parsePeerMessage(data)).toBeUndefined();
  });

  it('reads a quality message strictly', () => {
    const message = {
      t: 'quality',
      level: 'audio-only',
      settledLevel: 'audio-only',
      probing: false,
      reason: 'bandwidth',
      figures: { availableKbps: 96, lossPercent: 0 },
    };
    expect(parsePeerMessage(JSON.stringify({ ...message, extra: 1 }))).toEqual({
      ...message,
      figures: { availableKbps: 96, lossPercent: 0, sendKbps: undefined },
    });
    for (const broken of [
      { level: 'ultra' },
      { settledLevel: undefined },
      { probing: 'no' },
      { reason: 'because' },
      { figures: null },
      { figures: [] },
      { figures: { availableKbps: -1 } },
      { figures: { sendKbps: '100' } },
    ]) {
      expect(
        parsePeerMessage(JSON.stringify({ ...message, ...broken })),
        JSON.stringify(broken),
      ).toBeUndefined();
    }
  });

  it('reads a share message: a title while sharing, null when back to the camera', () => {
    expect(parsePeerMessage('{"t":"share","title":"Quarterly report — Docs","x":1}')).toEqual({
      t: 'share',
      title: 'Quarterly report — Docs',
    });
    expect(parsePeerMessage(bytes('{"t":"share","title":""}'))).toEqual({ t: 'share', title: '' });
    expect(parsePeerMessage('{"t":"share","title":null}')).toEqual({ t: 'share', title: null });
    const long = parsePeerMessage(JSON.stringify({ t: 'share', title: 'x'.repeat(5000) }));
    expect(long).toEqual({ t: 'share', title: 'x'.repeat(MAX_SHARE_TITLE) });
    for (const broken of ['{"t":"share"}', '{"t":"share","title":5}', '{"t":"share","title":{}}']) {
      expect(parsePeerMessage(broken), broken).toBeUndefined();
    }
  });
});

describe('route: one handler per message type', () => {
  function context() {
    const sent: unknown[] = [];
    const calls: string[] = [];
    const ctx: ChannelContext = {
      remote: { audio: true, video: true, sharing: undefined, decision: undefined, name: undefined },
      send: (message) => sent.push(message),
      hungUp: () => calls.push('hungUp'),
      answered: () => calls.push('answered'),
      changed: () => calls.push('changed'),
    };
    return { ctx, sent, calls };
  }

  it('dispatches each type to its handler', () => {
    const { ctx, sent, calls } = context();
    expect(route(ctx, '{"t":"ping","n":7}')).toEqual({ t: 'ping', n: 7 });
    expect(sent).toEqual([{ t: 'pong', n: 7 }]);
    route(ctx, '{"t":"pong","n":7}');
    route(ctx, '{"t":"media","audio":false,"video":false}');
    route(ctx, '{"t":"share","title":"Docs"}');
    route(ctx, '{"t":"name","name":"Ayşe"}');
    route(ctx, '{"t":"bye"}');
    expect(calls).toEqual(['answered', 'changed', 'changed', 'changed', 'hungUp']);
    expect(ctx.remote).toMatchObject({ audio: false, video: false, sharing: 'Docs', name: 'Ayşe' });
    route(ctx, '{"t":"share","title":null}');
    expect(ctx.remote.sharing).toBeUndefined();
  });

  it('ignores unknown, inherited and malformed types without touching the link', () => {
    const { ctx, sent, calls } = context();
    for (const frame of [
      '{"t":"toString"}',
      '{"t":"__proto__"}',
      '{"t":"constructor"}',
      '{"t":"hello"}',
      '[{"t":"bye"}]',
      '{"t":"name","name":42}',
      '{"t":"name","name":"   "}',
      JSON.stringify({ t: 'bye', pad: 'x'.repeat(MAX_FRAME_BYTES) }),
    ]) {
      expect(route(ctx, frame), frame.slice(0, 40)).toBeUndefined();
    }
    expect(sent).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('keeps a 10 KB name or one with markup as bounded text', () => {
    const { ctx } = context();
    route(ctx, JSON.stringify({ t: 'name', name: 'A'.repeat(10_000) }));
    expect(ctx.remote.name).toBe('A'.repeat(MAX_NAME_LENGTH));
    route(ctx, JSON.stringify({ t: 'name', name: '<img src=x onerror=alert(1)>' }));
    expect(ctx.remote.name).toBe('<img src=x onerror=alert(1)>');
    route(ctx, JSON.stringify({ t: 'name', name: 'Mert\u0000\n\u202eYılmaz' }));
    expect(ctx.remote.name).toBe('Mert Yılmaz');
  });
});
