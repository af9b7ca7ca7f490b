import { describe, expect, it } from 'vitest';
import { NamedTimers } from '../../../../src/call/link/named-timers.js';
import { KEPT_CANDIDATES_MAX, Negotiation } from '../../../../src/call/link/negotiation.js';
import type { SignalData } from '../../../../src/call/protocol.js';
import type { SealedRelay } from '../../../../src/call/sealed-relay.js';
import { FakeTimers, nextTurn } from '../fakes.js';

/** A description as Chromium reads it once gathering began: an address in it, and a candidate line. */
const ADDRESSED = (type: 'offer' | 'answer'): SignalData => ({
  type,
  sdp: 'v=0\r\nm=audio 50000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.1.2.3\r\na=candidate:1 1 udp 1 10.1.2.3 50000 typ host\r\na=ice-ufrag:abcd\r\n',
});
const CANDIDATE: SignalData = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 1 10.9.9.9 6000 typ host', sdpMLineIndex: 0, sdpMid: '0' },
};

interface Sent {
  readonly signals: SignalData[];
  readonly staged: boolean;
}

function negotiation(initiator: boolean) {
  const sent: Sent[] = [];
  const applied: SignalData[] = [];
  const relay = {
    isOpen: true,
    enqueue: (task: () => unknown) => void Promise.resolve().then(task),
    send: (
      _to: string,
      signals: SignalData[],
      _gen: number,
      _retry: boolean,
      _link: number,
      staged = false,
    ) => {
      sent.push({ signals, staged });
      return Promise.resolve(true);
    },
  } as unknown as SealedRelay;
  const n = new Negotiation({
    remoteId: 'them',
    serial: 1,
    initiator,
    relay,
    timers: new NamedTimers(new FakeTimers()),
    signalPeer: (signal) => applied.push(signal),
    onRestartRequested: () => undefined,
    retrying: () => false,
    released: () => false,
  });
  return { n, sent, applied };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await nextTurn();
};

describe('Negotiation on a preview (stage until release)', () => {
  it('sends our description without addresses, marked staged, and keeps our candidates until release', async () => {
    const { n, sent } = negotiation(true);
    n.stage();
    n.local(ADDRESSED('offer'));
    n.local(CANDIDATE);
    await settle();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.staged).toBe(true);
    expect(sent[0]!.signals.map((s) => s.type)).toEqual(['offer']);
    expect(JSON.stringify(sent)).not.toMatch(/10\.1\.2\.3|10\.9\.9\.9|50000|a=candidate/);
    n.release();
    await settle();
    expect(sent.slice(1)).toEqual([{ signals: [CANDIDATE], staged: false }]);
    // From then on, nothing is held back.
    n.local(CANDIDATE);
    await settle();
    expect(sent.at(-1)).toEqual({ signals: [CANDIDATE], staged: false });
  });

  it("applies the other side's description without its addresses, and its candidates only on release", async () => {
    const { n, applied } = negotiation(false);
    n.stage();
    n.remote(0, [ADDRESSED('offer'), CANDIDATE]);
    n.remote(0, [CANDIDATE]);
    await settle();
    expect(applied.map((s) => s.type)).toEqual(['offer']);
    expect(JSON.stringify(applied)).not.toMatch(/10\.1\.2\.3|50000|a=candidate/);
    expect(JSON.stringify(applied)).toContain('a=ice-ufrag:abcd');
    n.release();
    expect(applied.slice(1)).toEqual([CANDIDATE, CANDIDATE]);
  });

  it("keeps a bounded number of the other side's candidates on a preview", () => {
    const { n, applied } = negotiation(false);
    n.stage();
    n.remote(0, [ADDRESSED('offer')]);
    for (let i = 0; i < 1000; i++) n.remote(0, [CANDIDATE, CANDIDATE]);
    n.release();
    expect(applied.filter((s) => s.type === 'candidate')).toHaveLength(KEPT_CANDIDATES_MAX);
  });

  it('without a stage, descriptions and candidates go and are applied as they are', async () => {
    const { n, sent, applied } = negotiation(true);
    n.local(ADDRESSED('offer'));
    n.local(CANDIDATE);
    n.remote(0, [ADDRESSED('answer'), CANDIDATE]);
    await settle();
    expect(sent.flatMap((s) => s.signals)).toEqual([ADDRESSED('offer'), CANDIDATE]);
    expect(sent.every((s) => !s.staged)).toBe(true);
    expect(applied).toEqual([ADDRESSED('answer'), CANDIDATE]);
  });
});
