import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallPhase, Role } from '../../../src/call/call-machine.js';
import { Call, callStatus as statusFacts, type CallSnapshot } from '../../../src/call/call.js';
import type { CallErrorKind } from '../../../src/call/errors.js';
import { ID_PATTERN, newId } from '../../../src/call/ids.js';
import type { Invite } from '../../../src/call/link.js';
import type { SignalData } from '../../../src/call/protocol.js';
import { deriveKey, seal, unseal, type SealedSignals } from '../../../src/call/seal.js';
import {
  CONNECTING,
  deferredMedia,
  FakePeerNetwork,
  FakePeerServer,
  FakeStream,
  FakeTimers,
  nextTurn,
  randomFor,
  track,
  FakeSocket,
  type FakePeer,
  type RelayedFrame,
} from './fakes.js';
import { en } from '../../../src/ui/text/en.js';
import { statusText } from '../../../src/ui/text/status.js';

/** The status line in English (src/ui/text/). */
const callStatus = (snapshot: CallSnapshot<unknown>) => statusText(en, statusFacts(snapshot));

let timers: FakeTimers;
let server: FakePeerServer;
let network: FakePeerNetwork;
let invite: Invite;

beforeEach(() => {
  timers = new FakeTimers();
  server = new FakePeerServer();
  network = new FakePeerNetwork();
  invite = { serverUrl: 'https://diyalog.test/base', room: newId(), secret: newId() };
});

interface Side {
  readonly call: Call<FakeStream>;
  readonly stream: FakeStream;
  /** Every phase the call passed through, from its 'change' events. */
  readonly phases: CallPhase[];
}

function side(
  role: Role,
  options: {
    invite?: Invite;
    getUserMedia?: () => Promise<FakeStream>;
    connectTimeoutMs?: number;
    fetchJson?: (url: string, authorization?: string) => Promise<unknown>;
    socketFactory?: (url: string) => FakeSocket;
  } = {},
): Side {
  const stream = new FakeStream(`${role}-camera-${newId()}`);
  const call = new Call<FakeStream>({
    role,
    invite: options.invite ?? invite,
    ports: {
      socketFactory: options.socketFactory ?? server.socketFactory,
      createPeer: network.createPeer,
      getUserMedia: options.getUserMedia ?? (() => Promise.resolve(stream)),
      timers,
      random: randomFor(role),
      ...(options.fetchJson ? { fetchJson: options.fetchJson } : {}),
    },
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
  });
  const phases: CallPhase[] = [];
  call.on('change', () => {
    if (phases.at(-1) !== call.state.phase) phases.push(call.state.phase);
  });
  return { call, stream, phases };
}

/** Waits (in real time) for asynchronous work such as WebCrypto until `check` passes. */
function until(check: () => void): Promise<void> {
  return vi.waitFor(check, { timeout: 3000, interval: 2 });
}

async function started(role: Role, options: Parameters<typeof side>[1] = {}): Promise<Side> {
  const s = side(role, options);
  await s.call.start();
  return s;
}

async function connectedPair(): Promise<{ host: Side; guest: Side }> {
  const host = await started('host');
  const guest = await started('guest');
  expect(host.call.state.phase).toBe('waiting');
  expect(guest.call.state.phase).toBe('ready');
  guest.call.join();
  await until(() => {
    expect(host.call.state.phase).toBe('connected');
    expect(guest.call.state.phase).toBe('connected');
  });
  return { host, guest };
}

function peerOf(s: Side): FakePeer {
  const peer = network.peers.find((p) => p.stream === s.stream);
  if (!peer) throw new Error('this side has no peer');
  return peer;
}

/** The side's latest socket (a reconnect makes a new one). */
function socketOf(s: Side): FakeSocket {
  const socket = server.sockets.findLast((k) => new URL(k.url).searchParams.get('id') === s.call.peerId);
  if (!socket) throw new Error('this side has no socket');
  return socket;
}

function failure(s: Side): CallErrorKind | undefined {
  const state = s.call.state;
  return state.phase === 'failed' ? state.error.kind : undefined;
}

function endReason(s: Side): string | undefined {
  const state = s.call.state;
  return state.phase === 'ended' ? state.reason : undefined;
}

async function openBody(frame: RelayedFrame, secret = invite.secret): Promise<SealedSignals> {
  const key = await deriveKey(secret, invite.room);
  return unseal(key, frame.payload, { me: frame.dst as string, sender: frame.src });
}

async function openFrame(frame: RelayedFrame, secret = invite.secret): Promise<readonly SignalData[]> {
  return (await openBody(frame, secret)).signals;
}

/** Lets every released peer be destroyed (after the bye flush) and checks nothing else is scheduled. */
async function expectAllReleased(...sides: Side[]): Promise<void> {
  timers.advance(1000);
  await nextTurn();
  // A call ended before its admission token was derived never opened a socket at all.
  const lastSocket = (s: Side) =>
    server.sockets.findLast((k) => new URL(k.url).searchParams.get('id') === s.call.peerId);
  // A hang-up's LEAVE is sealed (WebCrypto, on Node's thread pool) before the socket closes behind it: that
  // takes real time, not one turn of the event loop (a fixed turn here failed ~1 run in 10).
  await until(() => {
    for (const s of sides) {
      const socket = lastSocket(s);
      if (socket) expect(socket.readyState, `${s.call.role} socket closed`).toBeGreaterThan(CONNECTING + 1);
    }
  });
  for (const s of sides) {
    expect(s.stream.allStopped, `${s.call.role} camera stopped`).toBe(true);
    expect(server.clients.has(s.call.peerId)).toBe(false);
    const peer = network.peers.find((p) => p.stream === s.stream);
    if (peer) expect(peer.destroyed, `${s.call.role} peer destroyed`).toBe(true);
  }
  expect(timers.pending).toBe(0);
}

describe('Call: host and guest', () => {
  it('host waits in the room; a guest on its preview negotiates ahead without a single address of its own, and nothing connects', async () => {
    const host = await started('host');
    // The room is nobody's id: the host registers a random one in it, like everyone.
    expect(host.call.peerId).toMatch(ID_PATTERN);
    expect(host.call.peerId).not.toBe(invite.room);
    expect(host.phases).toEqual(['preparing', 'waiting']);
    expect(host.call.snapshot.localStream).toBe(host.stream);
    expect(server.clients.has(host.call.peerId)).toBe(true);
    expect(server.rooms.get(invite.room)).toEqual([host.call.peerId]);

    const guest = await started('guest');
    expect(guest.phases).toEqual(['preparing', 'ready']);
    expect(guest.call.peerId).toMatch(ID_PATTERN);
    expect(guest.call.peerId).not.toBe(invite.room);
    expect(guest.call.snapshot.localStream).toBe(guest.stream);
    expect(peerOf(guest).initiator).toBe(true);

    // The pair's descriptions go both ways while the guest looks at its preview (sealing takes real time).
    await until(() => expect(peerOf(guest).received.map((x) => x.type)).toEqual(['answer']));
    // However long the guest looks at their preview, no address of theirs reaches anyone, and nothing
    // connects. (The clock moves a task at a time, so that the server's heartbeat echoes arrive meanwhile.)
    for (let i = 0; i < 5; i++) await nextTurn();
    await timers.advanceSettling(60_000);
    await nextTurn();
    const fromGuest = await Promise.all(server.from(guest.call.peerId).map((f) => openBody(f)));
    expect(fromGuest.map((b) => [b.hello, b.staged, b.signals.map((x) => x.type)])).toEqual([
      ['preview', undefined, []],
      [undefined, true, ['offer']],
    ]);
    // The host is in the call: its answer goes with its addresses, which the guest keeps until it joins.
    const fromHost = (await Promise.all(server.from(host.call.peerId).map((f) => openFrame(f)))).flat();
    expect(fromHost.map((x) => x.type)).toEqual(['answer', 'candidate']);
    expect(peerOf(guest).received.map((x) => x.type)).toEqual(['answer']);
    const hostPeer = network.peers.find((p) => p.stream === host.stream)!;
    expect(hostPeer.received.map((x) => x.type)).toEqual(['offer']);
    expect([peerOf(guest).checking, hostPeer.checking, hostPeer.connected]).toEqual([false, false, false]);
    // The host heard from the server that someone registered, and from them only sealed boxes.
    expect(
      socketOf(host)
        .delivered.filter((f) => f !== '{"type":"HEARTBEAT"}')
        .map((f) => JSON.parse(f) as { type: string; src?: string })
        .map((m) => (m.type === 'OPEN' || m.type === 'ROOM-JOIN' ? m : m.type)),
    ).toEqual([
      { type: 'OPEN', payload: { room: invite.room, members: [host.call.peerId] } },
      {
        type: 'ROOM-JOIN',
        src: guest.call.peerId,
        payload: { members: [host.call.peerId, guest.call.peerId] },
      },
      'CANDIDATE',
      'OFFER',
    ]);
    expect(host.call.state.phase).toBe('waiting');
    expect(host.call.snapshot.participants).toEqual([]);
    expect(guest.call.state.phase).toBe('ready');
    expect(network.peers).toHaveLength(2);
    // Both kept their registrations alive meanwhile.
    expect(socketOf(guest).sent.filter((f) => f.includes('HEARTBEAT')).length).toBeGreaterThanOrEqual(10);
  });

  it('"Join call" resolves once its hello and the candidates kept on the preview are on the socket', async () => {
    const host = await started('host');
    const guest = await started('guest');
    await until(() => expect(peerOf(guest).received.map((x) => x.type)).toEqual(['answer']));
    const before = server.from(guest.call.peerId).length;
    // The join page draws the call view only after this (CallStore.join): nothing else waits on the page.
    await guest.call.join();
    const sent = await Promise.all(
      server
        .from(guest.call.peerId, host.call.peerId)
        .slice(before)
        .map((f) => openBody(f)),
    );
    expect(sent[0]).toMatchObject({ hello: 'join', signals: [] });
    const signals = sent.slice(1).flatMap((b) => b.signals.map((x) => x.type));
    expect(signals.length).toBeGreaterThan(0);
    expect(new Set(signals)).toEqual(new Set(['candidate']));
  });

  it('a guest who leaves from its preview leaves the host waiting: the pair made ahead goes without a trace', async () => {
    const host = await started('host');
    const guest = await started('guest');
    const hostPeer = () => network.peers.find((p) => p.stream === host.stream);
    await until(() => expect(hostPeer()?.received.map((x) => x.type)).toEqual(['offer']));
    // The page closes: its socket goes, and the server says so.
    guest.call.hangUp();
    await until(async () => {
      await timers.advanceSettling(100);
      expect(hostPeer()!.destroyed).toBe(true);
    });
    await timers.advanceSettling(30_000);
    expect(host.phases).toEqual(['preparing', 'waiting']);
    expect(host.call.snapshot.participants).toEqual([]);
    // The next guest gets the call as the first would have.
    const next = await started('guest');
    next.call.join();
    await until(() => expect(host.call.state.phase).toBe('connected'));
    expect(host.call.snapshot.participants.map((p) => p.id)).toEqual([next.call.peerId]);
  });

  it('after join both connect and see each other’s stream', async () => {
    const { host, guest } = await connectedPair();
    expect(host.phases).toEqual(['preparing', 'waiting', 'connecting', 'connected']);
    expect(guest.phases).toEqual(['preparing', 'ready', 'connecting', 'connected']);
    expect(host.call.snapshot.remoteStream?.id).toBe(guest.stream.id);
    expect(guest.call.snapshot.remoteStream?.id).toBe(host.stream.id);
    expect(host.call.snapshot.remoteStream).not.toBe(guest.stream);
    expect(peerOf(host).initiator).toBe(false);
    expect(peerOf(host).remote).toBe(peerOf(guest));
    expect(network.peers).toHaveLength(2);
    expect(host.call.snapshot).toMatchObject({
      muted: false,
      cameraOff: false,
      remoteAudio: true,
      remoteVideo: true,
    });
  });

  it('the offer goes on the preview without addresses; on join only the candidates, as one message; the answer is batched with its candidates', async () => {
    const { host, guest } = await connectedPair();
    const fromGuest = await Promise.all(
      server.from(guest.call.peerId, host.call.peerId).map((f) => openBody(f)),
    );
    expect(fromGuest.map((b) => [b.hello, b.staged, b.signals.map((x) => x.type)])).toEqual([
      ['preview', undefined, []],
      [undefined, true, ['offer']],
      ['join', undefined, []],
      [undefined, undefined, ['candidate']],
    ]);
    expect(server.from(guest.call.peerId, host.call.peerId).map((f) => f.type)).toEqual([
      'CANDIDATE',
      'OFFER',
      'CANDIDATE',
      'CANDIDATE',
    ]);
    const fromHost = server.from(host.call.peerId, guest.call.peerId);
    expect(fromHost[0]?.type).toBe('ANSWER');
    // Signals emitted while the previous box was being sealed ride along in one message.
    const hostSignals = (await Promise.all(fromHost.map((f) => openFrame(f)))).flat().map((s) => s.type);
    expect(hostSignals).toEqual(['answer', 'candidate']);
    expect(fromHost.length).toBeLessThanOrEqual(hostSignals.length);
    expect(host.call.state.phase).toBe('connected');
  });

  it('seals every signaling payload: the server sees no SDP, yet each side gets exactly what the other sent', async () => {
    const { host, guest } = await connectedPair();
    expect(server.relayed.length).toBeGreaterThanOrEqual(2);
    for (const frame of server.relayed) {
      const message = JSON.parse(frame.frame) as { payload: Record<string, unknown> };
      expect(Object.keys(message).sort()).toEqual(['dst', 'payload', 'type']);
      expect(Object.keys(message.payload).sort()).toEqual(['ct', 'iv', 'v']);
      const visible = JSON.stringify({ ...message, payload: { ...message.payload, iv: '', ct: '' } });
      expect(visible).not.toContain('sdp');
      expect(visible).not.toContain('candidate');
      expect(frame.frame).not.toContain('fingerprint');
      expect(frame.frame).not.toContain('o=fake');
      expect(frame.frame).not.toContain('typ host');
    }
    const opened = async (src: string, dst: string) =>
      (await Promise.all(server.from(src, dst).map((f) => openFrame(f)))).flat();
    expect(await opened(guest.call.peerId, host.call.peerId)).toEqual(peerOf(host).received);
    expect(await opened(host.call.peerId, guest.call.peerId)).toEqual(peerOf(guest).received);
    // The secret really is needed to read them.
    await expect(openFrame(server.relayed[0]!, newId())).rejects.toThrow(/wrong secret/);
  });

  it('mute and camera-off toggle the local tracks and the other side follows', async () => {
    const { host, guest } = await connectedPair();
    const [audio] = host.stream.getAudioTracks();
    const [video] = host.stream.getVideoTracks();
    let changes = 0;
    host.call.on('change', () => changes++);

    host.call.setMuted(true);
    expect(changes).toBe(1);
    expect(audio!.enabled).toBe(false);
    expect(video!.enabled).toBe(true);
    expect(host.call.snapshot.muted).toBe(true);
    await until(() => expect(guest.call.snapshot).toMatchObject({ remoteAudio: false, remoteVideo: true }));

    host.call.setCameraOff(true);
    expect(video!.enabled).toBe(false);
    expect(host.call.snapshot.cameraOff).toBe(true);
    await until(() => expect(guest.call.snapshot).toMatchObject({ remoteAudio: false, remoteVideo: false }));

    host.call.setMuted(false);
    expect(audio!.enabled).toBe(true);
    await until(() => expect(guest.call.snapshot).toMatchObject({ remoteAudio: true, remoteVideo: false }));

    guest.call.setCameraOff(true);
    expect(guest.stream.getVideoTracks()[0]!.enabled).toBe(false);
    await until(() => expect(host.call.snapshot).toMatchObject({ remoteAudio: true, remoteVideo: false }));
    // The host's own view of itself is unaffected by what the guest does.
    expect(host.call.snapshot).toMatchObject({ muted: false, cameraOff: true });
    expect(peerOf(host).sentData.map((d) => JSON.parse(d) as unknown)).toContainEqual({
      t: 'media',
      audio: false,
      video: false,
    });
  });

  it('tells the other side, on connect, about a mute made before joining', async () => {
    const host = await started('host');
    const guest = await started('guest');
    guest.call.setMuted(true);
    guest.call.setCameraOff(true);
    expect(guest.stream.tracks.map((t) => t.enabled)).toEqual([false, false]);
    expect(peerOf(guest).sentData).toEqual([]);
    guest.call.join();
    await until(() => expect(host.call.state.phase).toBe('connected'));
    await until(() => expect(host.call.snapshot).toMatchObject({ remoteAudio: false, remoteVideo: false }));
    expect(guest.call.snapshot).toMatchObject({ remoteAudio: true, remoteVideo: true });
  });

  it('guest hangs up: host ends with remote-hangup and everything is released', async () => {
    const { host, guest } = await connectedPair();
    guest.call.hangUp();
    expect(endReason(guest)).toBe('hangup');
    await until(() => expect(endReason(host)).toBe('remote-hangup'));
    expect(peerOf(guest).sentData.at(-1)).toBe('{"t":"bye"}');
    // The LEAVE is sealed: the server (or anyone it lets in) can neither read nor forge a hang-up.
    const to = host.call.peerId;
    await until(() =>
      expect(server.from(guest.call.peerId, to).filter((f) => f.type === 'LEAVE')).toHaveLength(1),
    );
    const leave = server.from(guest.call.peerId, to).filter((f) => f.type === 'LEAVE');
    expect(leave.map((f) => f.payload)).toEqual([{ v: 1, iv: expect.any(String), ct: expect.any(String) }]);
    expect(leave[0]!.frame).not.toContain('hangup');
    await expectAllReleased(host, guest);
    expect(host.call.snapshot.state).toEqual({ phase: 'ended', reason: 'remote-hangup' });

    // Hanging up again changes nothing and sends nothing.
    const frames = server.relayed.length;
    guest.call.hangUp();
    host.call.hangUp();
    expect(endReason(guest)).toBe('hangup');
    expect(endReason(host)).toBe('remote-hangup');
    expect(server.relayed).toHaveLength(frames);
  });

  it('host hangs up: guest ends with remote-hangup', async () => {
    const { host, guest } = await connectedPair();
    host.call.hangUp();
    expect(endReason(host)).toBe('hangup');
    await until(() => expect(endReason(guest)).toBe('remote-hangup'));
    await expectAllReleased(host, guest);
  });

  it('the bye on the data channel alone ends the call for the other side', async () => {
    const { host, guest } = await connectedPair();
    socketOf(guest).serverClose(1006, ''); // the guest loses the server; media carries on
    expect(guest.call.state.phase).toBe('connected');
    guest.call.hangUp();
    await until(() => expect(endReason(host)).toBe('remote-hangup'));
    expect(server.from(guest.call.peerId).filter((f) => f.type === 'LEAVE')).toEqual([]);
  });

  it('the LEAVE through the server alone ends the call for the other side', async () => {
    const { host, guest } = await connectedPair();
    // The data channel breaks silently: sends fail, nothing else happens.
    peerOf(guest).send = () => {
      throw new Error('channel closing');
    };
    guest.call.hangUp();
    expect(endReason(guest)).toBe('hangup');
    await until(() => expect(endReason(host)).toBe('remote-hangup'));
  });

  it('a peer that goes away without a bye ends the call with peer-left', async () => {
    const { host, guest } = await connectedPair();
    peerOf(guest).destroy(); // as if the guest's tab crashed
    await until(() => expect(endReason(host)).toBe('peer-left'));
    await until(() => expect(endReason(guest)).toBe('peer-left'));
    expect(server.relayed.filter((f) => f.type === 'LEAVE')).toEqual([]);
    await expectAllReleased(host, guest);
  });

  it('keeps a connected call when the server goes away', async () => {
    const { host, guest } = await connectedPair();
    socketOf(host).serverClose(1006, '');
    socketOf(guest).serverClose(1006, '');
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(host.call.state.phase).toBe('connected');
    expect(guest.call.state.phase).toBe('connected');
    host.call.setMuted(true);
    await until(() => expect(guest.call.snapshot.remoteAudio).toBe(false));
  });

  it('a waiting host whose server goes away keeps waiting, registers the room again and gets its guest', async () => {
    const host = await started('host');
    server.unreachable = true;
    server.crash();
    expect(host.call.state.phase).toBe('waiting');
    expect(host.call.snapshot.signalingOpen).toBe(false);
    expect(callStatus(host.call.snapshot)).toBe('Waiting for someone to join · reconnecting to the server…');
    await timers.advanceSettling(3000); // attempts fail while the server is down
    server.unreachable = false;
    await timers.advanceSettling(8000);
    await until(() => expect(host.call.snapshot.signalingOpen).toBe(true));
    expect(new URL(socketOf(host).url).searchParams.get('room')).toBe(invite.room);
    const guest = await started('guest');
    guest.call.join();
    await until(() => expect(host.call.state.phase).toBe('connected'));
    expect(host.phases).toEqual(['preparing', 'waiting', 'connecting', 'connected']);
  });

  it('a guest who joins while its socket is down sends the offer once it is back', async () => {
    const host = await started('host');
    const guest = await started('guest');
    socketOf(guest).serverClose(1006, '');
    guest.call.join();
    expect(server.from(guest.call.peerId, host.call.peerId)).toEqual([]);
    await timers.advanceSettling(500);
    await until(() => expect(host.call.state.phase).toBe('connected'));
  });

  it('fails a waiting host when the server gives its id to someone else on the reconnect', async () => {
    const host = await started('host');
    socketOf(host).serverClose(1006, '');
    // Someone else registers the host's id meanwhile (another token): the server refuses ours.
    const squatter = server.socketFactory(
      `wss://diyalog.test/base/signal/peerjs?key=peerjs&id=${host.call.peerId}&token=${newId()}`,
    );
    await nextTurn();
    expect(squatter.delivered).toEqual(['{"type":"OPEN"}']);
    await timers.advanceSettling(500);
    await until(() => expect(failure(host)).toBe('id-taken'));
    squatter.close();
    await expectAllReleased(host);
  });
});

describe('Call: refusals', () => {
  it('a guest with the wrong secret gets no answer at all (it times out); the host keeps waiting', async () => {
    const host = await started('host');
    const intruder = await started('guest', { invite: { ...invite, secret: newId() } });
    expect(intruder.call.state.phase).toBe('ready');
    intruder.call.join();
    await until(() => expect(server.from(intruder.call.peerId, host.call.peerId)).not.toEqual([]));
    await new Promise((resolve) => setTimeout(resolve, 50)); // unsealing is asynchronous
    timers.advance(20_000);
    await until(() => expect(failure(intruder)).toBe('connection-failed'));
    expect(host.call.state.phase).toBe('waiting');
    expect(host.phases).toEqual(['preparing', 'waiting']);
    // Answering would spend the host's own rate budget on whoever sends garbage.
    expect(server.from(host.call.peerId, intruder.call.peerId)).toEqual([]);
    expect(network.peers.filter((p) => !p.initiator)).toEqual([]);
    expect(intruder.stream.allStopped).toBe(true);

    // The right guest still gets in.
    const guest = await started('guest');
    guest.call.join();
    await until(() => expect(host.call.state.phase).toBe('connected'));
    await until(() => expect(guest.call.state.phase).toBe('connected'));
    host.call.hangUp();
    await until(() => expect(endReason(guest)).toBe('remote-hangup'));
    await expectAllReleased(intruder, host, guest);
  });

  it('refuses an offer the server forges or replays from another id', async () => {
    // A real guest's sealed offer, caught by the server on its way to the host.
    const { host, guest } = await connectedPair();
    const captured = server.from(guest.call.peerId, host.call.peerId).find((f) => f.type === 'OFFER');
    expect(captured).toBeDefined();

    const attackerId = newId();
    const attacker = server.socketFactory(`wss://diyalog.test/signal/peerjs?id=${attackerId}&token=t`);
    await until(() => expect(attacker.delivered).toEqual(['{"type":"OPEN"}']));
    const to = host.call.peerId;
    attacker.send(JSON.stringify({ type: 'OFFER', dst: to, payload: captured!.payload }));
    attacker.send(JSON.stringify({ type: 'OFFER', dst: to, payload: { type: 'offer', sdp: 'v=0' } }));
    await until(() => expect(server.from(attackerId, to)).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 50)); // unsealing is asynchronous
    // No answer: the host drops what it cannot open (or has seen), silently.
    expect(attacker.delivered).toEqual(['{"type":"OPEN"}']);
    expect(host.call.state.phase).toBe('connected');
    expect(host.call.snapshot.participants.map((p) => p.id)).toEqual([guest.call.peerId]);
    expect(network.peers.filter((p) => !p.initiator)).toHaveLength(1);
  });

  it("drops a replayed box: the guest's offer, delivered again by the server, is not applied twice", async () => {
    const { host, guest } = await connectedPair();
    const received = peerOf(host).received.length;
    const to = host.call.peerId;
    const offer = server.from(guest.call.peerId, to).find((f) => f.type === 'OFFER')!;
    // The server (the only one who could: outsiders cannot relay into a room) replays it, twice.
    socketOf(host).serverSend({ type: 'OFFER', src: guest.call.peerId, dst: to, payload: offer.payload });
    socketOf(host).serverSend({ type: 'OFFER', src: guest.call.peerId, dst: to, payload: offer.payload });
    await new Promise((resolve) => setTimeout(resolve, 50)); // unsealing is asynchronous
    expect(peerOf(host).received).toHaveLength(received);
    expect(host.call.state.phase).toBe('connected');
    // Every box carries the sender's call nonce and a count that only grows.
    const key = await deriveKey(invite.secret, invite.room);
    const bodies = await Promise.all(
      server
        .from(guest.call.peerId, to)
        .map((f) => unseal(key, f.payload, { me: to, sender: guest.call.peerId })),
    );
    expect(new Set(bodies.map((b) => b.nonce)).size).toBe(1);
    expect(bodies.map((b) => b.seq)).toEqual(bodies.map((_, i) => i + 1));
  });

  it('a person past the room capacity is told the call is full; the call goes on', async () => {
    server.capacity = 2;
    const { host, guest } = await connectedPair();
    const third = await started('guest');
    expect(failure(third)).toBe('full');
    // The status line words it (src/ui/text/).
    expect(callStatus(third.call.snapshot)).toMatch(/^This call is full\./);
    expect(host.call.state.phase).toBe('connected');
    expect(guest.call.state.phase).toBe('connected');
    expect(third.stream.allStopped).toBe(true);
    expect(server.relayed.filter((f) => f.src === third.call.peerId)).toEqual([]);
    host.call.hangUp();
    await until(() => expect(endReason(guest)).toBe('remote-hangup'));
    await expectAllReleased(third, host, guest);
  });

  it('a guest joining a room with no host fails with room-empty', async () => {
    const guest = await started('guest');
    expect(guest.call.state.phase).toBe('ready');
    guest.call.join();
    // Nobody is registered in the room: nothing is sent, and the guest is told at once.
    expect(failure(guest)).toBe('room-empty');
    expect(guest.phases).toEqual(['preparing', 'ready', 'connecting', 'failed']);
    expect(server.relayed).toEqual([]);
    await expectAllReleased(guest);
  });

  it('a guest whose only roster member vanished (EXPIRE) fails with room-empty', async () => {
    const host = await started('host');
    const guest = await started('guest');
    // The host's socket is gone without the server having told the room yet.
    server.clients.delete(host.call.peerId);
    guest.call.join();
    await until(() => expect(failure(guest)).toBe('room-empty'));
    expect(socketOf(guest).delivered.some((f) => f.includes('"EXPIRE"'))).toBe(true);
    host.call.hangUp();
    await expectAllReleased(guest);
  });

  it('two people who both press "Start call" for the same room are in one call', async () => {
    const first = await started('host');
    const second = side('host');
    // Both are in the call from the start: the hello of the second reaches the first; the smaller id offers.
    await second.call.start();
    await until(() => {
      expect(first.call.state.phase).toBe('connected');
      expect(second.call.state.phase).toBe('connected');
    });
    expect(first.call.snapshot.participants.map((p) => p.id)).toEqual([second.call.peerId]);
    expect(second.call.snapshot.participants.map((p) => p.id)).toEqual([first.call.peerId]);
    expect(network.peers).toHaveLength(2);
    expect(network.peers.filter((p) => p.initiator)).toHaveLength(1);
    expect(first.stream.allStopped).toBe(false);
  });

  it('fails with server-unreachable, and frees the camera, when the server cannot be reached', async () => {
    server.unreachable = true;
    const host = await started('host');
    expect(failure(host)).toBe('server-unreachable');
    await expectAllReleased(host);
  });
});

describe('Call: camera and microphone', () => {
  it.each([
    [
      'a DOMException-like NotAllowedError',
      { name: 'NotAllowedError', message: 'Permission denied' },
      'media-denied',
    ],
    ['a SecurityError', { name: 'SecurityError' }, 'media-denied'],
    ['a NotReadableError', { name: 'NotReadableError' }, 'media-unavailable'],
    ['a NotFoundError', { name: 'NotFoundError' }, 'media-unavailable'],
    ['a plain Error', new Error('no device'), 'media-unavailable'],
  ] as const)(
    'getUserMedia rejecting with %s fails with %s and closes the socket',
    async (_, error, kind) => {
      for (const role of ['host', 'guest'] as const) {
        const s = await started(role, { getUserMedia: () => Promise.reject(error) });
        expect(failure(s)).toBe(kind);
        expect(s.call.snapshot.localStream).toBeUndefined();
        expect(socketOf(s).closedByClient).toBeDefined();
        expect(server.clients.has(s.call.peerId)).toBe(false);
        expect(timers.pending).toBe(0);
      }
      expect(network.peers).toEqual([]);
    },
  );

  it('hangUp while preparing releases a camera stream that arrives later', async () => {
    const media = deferredMedia();
    const host = side('host', { getUserMedia: media.getUserMedia });
    const starting = track(host.call.start());
    expect(host.call.state.phase).toBe('preparing');
    host.call.hangUp();
    expect(endReason(host)).toBe('hangup');
    media.resolve(host.stream);
    await until(() => expect(starting.state).toBe('fulfilled'));
    expect(host.stream.allStopped).toBe(true);
    expect(host.call.snapshot.localStream).toBeUndefined();
    expect(host.phases).toEqual(['preparing', 'ended']);
    await expectAllReleased(host);
  });

  it('hangUp while the camera is still starting, after the socket opened, releases both', async () => {
    const media = deferredMedia();
    const host = side('host', { getUserMedia: media.getUserMedia });
    const starting = track(host.call.start());
    await until(() => expect(server.clients.has(host.call.peerId)).toBe(true));
    host.call.hangUp();
    expect(server.clients.has(host.call.peerId)).toBe(false);
    media.resolve(host.stream);
    await until(() => expect(starting.state).toBe('fulfilled'));
    expect(host.stream.allStopped).toBe(true);
    expect(endReason(host)).toBe('hangup');
    await expectAllReleased(host);
  });

  it('a guest who hangs up before joining sends nothing to the host', async () => {
    const host = await started('host');
    const media = deferredMedia();
    const early = side('guest', { getUserMedia: media.getUserMedia });
    const starting = track(early.call.start());
    await until(() => expect(server.clients.has(early.call.peerId)).toBe(true));
    early.call.hangUp(); // while preparing, with the socket open
    media.resolve(early.stream);
    await until(() => expect(starting.state).toBe('fulfilled'));

    const late = await started('guest');
    expect(late.call.state.phase).toBe('ready');
    late.call.hangUp(); // while ready

    for (let i = 0; i < 5; i++) await nextTurn();
    expect(server.relayed).toEqual([]);
    // The host heard only the server: who registered in the room, and whose socket closed.
    const heard = socketOf(host)
      .delivered.filter((f) => f !== '{"type":"HEARTBEAT"}')
      .map((f) => JSON.parse(f) as { type: string; payload?: unknown });
    expect(heard.map((m) => m.type)).toEqual(['OPEN', 'ROOM-JOIN', 'LEAVE', 'ROOM-JOIN', 'LEAVE']);
    expect(heard.filter((m) => m.type === 'LEAVE').map((m) => m.payload)).toEqual([
      { reason: 'gone' },
      { reason: 'gone' },
    ]);
    expect(host.call.state.phase).toBe('waiting');
    host.call.hangUp();
    await expectAllReleased(early, late, host);
  });

  it('a host hanging up while waiting sends nothing and releases everything', async () => {
    const host = await started('host');
    host.call.hangUp();
    expect(endReason(host)).toBe('hangup');
    expect(server.relayed).toEqual([]);
    await expectAllReleased(host);
  });
});

describe('Call: timeouts', () => {
  it('a guest that cannot connect within 20 s after join fails with connection-failed', async () => {
    network.connectable = false;
    const host = await started('host');
    const guest = await started('guest');
    guest.call.join();
    await until(() => {
      expect(host.call.state.phase).toBe('connecting');
      expect(peerOf(host).received.map((s) => s.type)).toEqual(['offer', 'candidate']);
      expect(peerOf(guest).received.map((s) => s.type)).toEqual(['answer', 'candidate']);
    });
    await timers.advanceSettling(19_999); // heartbeat echoes arrive meanwhile, as they would
    await nextTurn();
    expect(guest.call.state.phase).toBe('connecting');
    timers.advance(1);
    expect(failure(guest)).toBe('connection-failed');
    expect(guest.stream.allStopped).toBe(true);
    // The guest's peer is torn down after the bye flush; the host's attempt then fails too.
    timers.advance(100);
    await until(() => expect(failure(host)).toBe('connection-failed'));
    await expectAllReleased(host, guest);
  });

  it('uses a given connect timeout, and none before join', async () => {
    network.connectable = false;
    await started('host');
    const guest = await started('guest', { connectTimeoutMs: 5000 });
    await timers.advanceSettling(60_000); // heartbeat echoes arrive meanwhile, as they would
    expect(guest.call.state.phase).toBe('ready');
    guest.call.join();
    await until(() => expect(peerOf(guest).received).toHaveLength(2));
    timers.advance(4999);
    expect(guest.call.state.phase).toBe('connecting');
    timers.advance(1);
    expect(failure(guest)).toBe('connection-failed');
  });

  it('a connected call is not ended by the connect timeout', async () => {
    const { host, guest } = await connectedPair();
    timers.advance(120_000);
    expect(guest.call.state.phase).toBe('connected');
    expect(host.call.state.phase).toBe('connected');
  });
});

describe('Call: rooms and ICE servers from the server', () => {
  it("both sides join the invite's room when they register", async () => {
    const { host, guest } = await connectedPair();
    for (const s of [host, guest])
      expect(new URL(socketOf(s).url).searchParams.get('room')).toBe(invite.room);
  });

  it('fetches ICE servers with its own id and token after registering, and gives them to the peer', async () => {
    const turn = {
      urls: ['turn:turn.test:3478?transport=udp'],
      username: '1700000000:x',
      credential: 'c2VjcmV0',
    };
    const asked: string[] = [];
    const authorizations: (string | undefined)[] = [];
    const fetchJson = (url: string, authorization?: string) => {
      asked.push(url);
      authorizations.push(authorization);
      return Promise.resolve({ iceServers: [turn, { urls: 'javascript:alert(1)' }, 42], ttlSeconds: 3600 });
    };
    const host = await started('host', { fetchJson });
    const guest = await started('guest', { fetchJson });
    expect(asked).toHaveLength(2);
    for (const [s, url, authorization] of [
      [host, asked[0]!, authorizations[0]],
      [guest, asked[1]!, authorizations[1]],
    ] as const) {
      const { pathname, search } = new URL(url);
      expect(pathname).toBe('/base/api/ice-servers');
      expect(search).toBe(''); // credentials stay out of URLs
      expect(authorization).toBe(`Peer ${s.call.peerId}.${socketOf(s).protocolValue('token')}`);
    }
    guest.call.join();
    await until(() => expect(host.call.state.phase).toBe('connected'));
    // Malformed entries are dropped; the guest's peer (made before join) and the host's both got TURN.
    expect(network.iceServers).toEqual([[turn], [turn]]);
  });

  it('a waiting host refreshes its credentials halfway through their lifetime', async () => {
    let calls = 0;
    const fetchJson = () => Promise.resolve({ iceServers: [], ttlSeconds: 60 + 0 * calls++ });
    await started('host', { fetchJson });
    expect(calls).toBe(1);
    timers.advance(30_000);
    await until(() => expect(calls).toBe(2));
  });

  it('calls still start when the ICE server request fails', async () => {
    const host = await started('host', { fetchJson: () => Promise.reject(new Error('offline')) });
    expect(host.call.state.phase).toBe('waiting');
  });

  it("the server's notice that the other side's socket closed ends the call if they do not answer a ping in 3 s", async () => {
    const { host, guest } = await connectedPair();
    network.linkUp = false; // the guest's browser died: nothing comes back over the media path
    socketOf(host).serverSend({ type: 'LEAVE', src: guest.call.peerId, payload: { reason: 'gone' } });
    await until(() => expect(peerOf(host).sentData.at(-1)).toBe('{"t":"ping","n":1}'));
    timers.advance(2999);
    expect(host.call.state.phase).toBe('connected');
    timers.advance(1);
    expect(endReason(host)).toBe('peer-left');
  });

  it('the same notice is only a signaling blip when the other side answers the ping: the call goes on', async () => {
    const { host, guest } = await connectedPair();
    socketOf(host).serverSend({ type: 'LEAVE', src: guest.call.peerId, payload: { reason: 'gone' } });
    await until(() => expect(peerOf(guest).sentData).toContain('{"t":"pong","n":1}'));
    await nextTurn();
    timers.advance(10_000);
    expect(host.call.state.phase).toBe('connected');
  });

  it('before connecting, the notice ends the attempt at once', async () => {
    const host = await started('host');
    const guest = await started('guest');
    network.connectable = false;
    guest.call.join();
    await until(() => expect(host.call.state.phase).toBe('connecting'));
    socketOf(host).serverSend({ type: 'LEAVE', src: guest.call.peerId, payload: { reason: 'gone' } });
    await until(() => expect(failure(host)).toBe('connection-failed'));
  });

  it('a full room is reported as full', async () => {
    // The server refuses the registration before OPEN, as peer-server does for a room at capacity.
    const socketFactory = (url: string) => {
      const socket = new FakeSocket(url);
      queueMicrotask(() => {
        socket.serverOpen();
        socket.serverSend({ type: 'ERROR', payload: { msg: 'room-full' } });
        socket.serverClose(1008, 'room-full');
      });
      return socket;
    };
    const s = await started('guest', { socketFactory });
    expect(failure(s)).toBe('full');
  });
});

describe('Call: recovery (ICE restarts through signaling)', () => {
  /** The guest's offers since connecting, from the server's log, with their sealed generation. */
  async function restartOffers(guest: Side): Promise<number[]> {
    const key = await deriveKey(invite.secret, invite.room);
    const offers = server.from(guest.call.peerId).filter((f) => f.type === 'OFFER');
    const gens = await Promise.all(
      offers.map(
        async (f) => (await unseal(key, f.payload, { me: f.dst as string, sender: f.src })).gen ?? 0,
      ),
    );
    return gens.slice(1); // the first is the call's own offer
  }

  it('media stops while ICE says nothing: "Connection unstable…" within 1.5 s, and "Connected" when media is back', async () => {
    const { host, guest } = await connectedPair();
    await timers.advanceSettling(2000);
    for (const s of [host, guest]) peerOf(s).media.inboundFrozen = true;
    await timers.advanceSettling(1500);
    for (const s of [host, guest]) {
      expect(s.call.state.phase).toBe('connected');
      expect(callStatus(s.call.snapshot)).toBe('Connection unstable…');
    }
    await timers.advanceSettling(3000);
    expect(callStatus(host.call.snapshot)).toBe('Connection unstable…');
    for (const s of [host, guest]) peerOf(s).media.inboundFrozen = false;
    await timers.advanceSettling(600);
    for (const s of [host, guest]) expect(callStatus(s.call.snapshot)).toBe('Connected');
    expect(host.phases.at(-1)).toBe('connected');
    expect(peerOf(guest).restarts).toEqual([]);
  });

  it('an outage ICE reports late counts "Reconnecting… (n s)" from the frozen picture, not from the ICE report', async () => {
    const { host, guest } = await connectedPair();
    await timers.advanceSettling(2000);
    for (const s of [host, guest]) peerOf(s).media.inboundFrozen = true;
    const frozenAt = timers.now();
    // ICE notices ~6 s later; 2 s after that (its grace) the call is reconnecting.
    await timers.advanceSettling(6000);
    network.setLink(false);
    await timers.advanceSettling(2000);
    for (const s of [host, guest]) {
      expect(s.call.state.phase).toBe('reconnecting');
      const since = (s.call.state as { since: number }).since;
      // From the last read that saw media: at most one poll (250 ms) before the freeze.
      expect(since).toBeLessThanOrEqual(frozenAt);
      expect(since).toBeGreaterThanOrEqual(frozenAt - 250);
      expect(callStatus(s.call.snapshot)).toMatch(/^Reconnecting… \((8|9) s\)$/);
    }
    for (const s of [host, guest]) peerOf(s).media.inboundFrozen = false;
    network.linkUp = true;
    await timers.advanceSettling(4000);
    await until(() => {
      expect(host.call.state.phase).toBe('connected');
      expect(guest.call.state.phase).toBe('connected');
    });
  });

  it('a blip of disconnected under 2 s changes nothing', async () => {
    const { host, guest } = await connectedPair();
    network.setLink(false);
    timers.advance(1999);
    network.setLink(true);
    timers.advance(10_000);
    await nextTurn();
    expect(host.call.state.phase).toBe('connected');
    expect(guest.call.state.phase).toBe('connected');
    expect(peerOf(guest).restarts).toEqual([]);
  });

  it('disconnected for 2 s: both say reconnecting, the guest restarts ICE and the call comes back', async () => {
    const { host, guest } = await connectedPair();
    const start = timers.now();
    network.setLink(false);
    timers.advance(2000);
    for (const s of [host, guest]) {
      expect(s.call.state).toEqual({ phase: 'reconnecting', since: start });
      expect(callStatus(s.call.snapshot)).toBe('Reconnecting… (2 s)');
    }
    await until(async () => expect(await restartOffers(guest)).toEqual([1]));
    // The restart cannot complete while the path is down; more follow, backing off (1 s, 2 s, 4 s, 4 s…).
    await timers.advanceSettling(12_000);
    const attempts = peerOf(guest).restarts.length;
    expect(attempts).toBeGreaterThanOrEqual(4);
    expect(attempts).toBeLessThanOrEqual(8);
    expect(callStatus(host.call.snapshot)).toBe('Reconnecting… (14 s)');
    // The network is back: the next restart goes through.
    network.linkUp = true;
    await timers.advanceSettling(4000);
    await until(() => {
      expect(host.call.state.phase).toBe('connected');
      expect(guest.call.state.phase).toBe('connected');
    });
    expect(host.phases).toEqual([
      'preparing',
      'waiting',
      'connecting',
      'connected',
      'reconnecting',
      'connected',
    ]);
    await until(async () =>
      expect(await restartOffers(guest)).toEqual(
        Array.from({ length: peerOf(guest).restarts.length }, (_, i) => i + 1),
      ),
    );
    // No restart is left scheduled: only the heartbeats and the quality monitor tick on.
    // (The host's own attempts are requests to the guest, which ignores them while it restarts itself.)
    await timers.advanceSettling(2000); // the check that the other side is back too (ping, pong)
    const after = [peerOf(guest).restarts.length, peerOf(host).restarts.length];
    await timers.advanceSettling(30_000);
    expect([peerOf(guest).restarts.length, peerOf(host).restarts.length]).toEqual(after);
  });

  it('failed means reconnecting at once', async () => {
    const { guest } = await connectedPair();
    network.setLink(false, 'failed');
    expect(guest.call.state.phase).toBe('reconnecting');
    await until(() => expect(peerOf(guest).restarts).toHaveLength(1));
  });

  it('the host alone seeing the failure asks the guest for the restart', async () => {
    const { host, guest } = await connectedPair();
    peerOf(host).setConnectionState('failed');
    expect(host.call.state.phase).toBe('reconnecting');
    expect(guest.call.state.phase).toBe('connected');
    await until(() => expect(host.call.state.phase).toBe('connected'));
    expect(peerOf(host).restarts).toHaveLength(1);
    expect(peerOf(guest).restarts).toHaveLength(1);
    expect(await restartOffers(guest)).toEqual([1]);
  });

  it('gives up at the limit with "Connection lost", restarts nothing more, and "Try again" starts over', async () => {
    const { host, guest } = await connectedPair();
    network.setLink(false, 'failed');
    await timers.advanceSettling(59_999);
    expect(guest.call.state.phase).toBe('reconnecting');
    await timers.advanceSettling(1);
    for (const s of [host, guest]) {
      expect(s.call.state.phase).toBe('lost');
      expect(callStatus(s.call.snapshot)).toBe('Connection lost');
    }
    const attempts = peerOf(guest).restarts.length;
    await timers.advanceSettling(120_000);
    expect(peerOf(guest).restarts.length).toBe(attempts);
    expect(guest.call.state.phase).toBe('lost');

    network.linkUp = true;
    guest.call.retry();
    expect(guest.call.state.phase).toBe('reconnecting');
    await until(() => expect(guest.call.state.phase).toBe('connected'));
    await until(() => expect(host.call.state.phase).toBe('connected'));
    expect(peerOf(guest).restarts.length).toBe(attempts + 1);
    // The guest's new offer took the host out of "Connection lost" too.
    expect(host.phases.slice(-3)).toEqual(['lost', 'reconnecting', 'connected']);
  });

  it('"Try again" on the host asks the guest for a restart, and the call comes back', async () => {
    const { host, guest } = await connectedPair();
    network.setLink(false, 'failed');
    await timers.advanceSettling(60_000);
    expect([host.call.state.phase, guest.call.state.phase]).toEqual(['lost', 'lost']);
    network.linkUp = true;
    host.call.retry();
    await until(() => {
      expect(host.call.state.phase).toBe('connected');
      expect(guest.call.state.phase).toBe('connected');
    });
    expect(host.phases.slice(-3)).toEqual(['lost', 'reconnecting', 'connected']);
  });

  it('takes the limit from the server, and an option over it', async () => {
    const fetchJson = () => Promise.resolve({ iceServers: [], ttlSeconds: 0, reconnectLimitSeconds: 20 });
    const host = await started('host', { fetchJson });
    const guest = await started('guest', { fetchJson });
    guest.call.join();
    await until(() => expect(host.call.state.phase).toBe('connected'));
    network.setLink(false, 'failed');
    await timers.advanceSettling(20_000);
    expect(host.call.state.phase).toBe('lost');
    expect(guest.call.state.phase).toBe('lost');
  });

  it('a hang-up while reconnecting reaches the other side through the server and releases everything', async () => {
    const { host, guest } = await connectedPair();
    network.setLink(false, 'failed');
    await timers.advanceSettling(3000);
    host.call.hangUp();
    await until(() => expect(endReason(guest)).toBe('remote-hangup'));
    await expectAllReleased(host, guest);
  });

  it('restarts at once when signaling comes back, and sends nothing while it is down', async () => {
    const { host, guest } = await connectedPair();
    server.unreachable = true;
    server.crash();
    network.setLink(false, 'failed');
    await timers.advanceSettling(10_000);
    expect(await restartOffers(guest)).toEqual([]);
    expect(guest.call.state.phase).toBe('reconnecting');
    // While a call recovers, signaling retries at least every second.
    const sockets = server.sockets.length;
    await timers.advanceSettling(5000);
    expect(server.sockets.length - sockets).toBeGreaterThanOrEqual(8);
    server.unreachable = false;
    network.linkUp = true;
    // Whichever side re-registers first, the call is back within a couple of seconds.
    const back = timers.now();
    await until(async () => {
      await timers.advanceSettling(50);
      expect(host.call.state.phase).toBe('connected');
      expect(guest.call.state.phase).toBe('connected');
    });
    expect(timers.now() - back).toBeLessThanOrEqual(2000);
    expect((await restartOffers(guest)).length).toBeGreaterThanOrEqual(1);
  });

  it('drops descriptions from an ICE generation it has restarted past', async () => {
    const { host, guest } = await connectedPair();
    network.setLink(false, 'failed');
    await until(() => expect(peerOf(guest).restarts).toHaveLength(1));
    const received = peerOf(guest).received.length;
    // An answer sealed for generation 0 (replayed, or late) must not reach the restarted peer: right
    // sender, right peer connection (link 1), only the generation is old.
    const key = await deriveKey(invite.secret, invite.room);
    const stale = await seal(key, {
      from: host.call.peerId,
      to: guest.call.peerId,
      signals: [{ type: 'answer', sdp: 'v=0 stale' }],
      gen: 0,
      link: 1,
    });
    socketOf(guest).serverSend({ type: 'ANSWER', src: host.call.peerId, payload: stale });
    await nextTurn();
    await nextTurn();
    // (The host's answers to the guest's own restarts do arrive meanwhile: it is this one that must not.)
    expect(peerOf(guest).received.slice(received)).not.toContainEqual({ type: 'answer', sdp: 'v=0 stale' });
  });

  it('fetches fresh TURN credentials for a restart once the old ones are past half their life', async () => {
    let fetches = 0;
    const fetchJson = () => {
      fetches += 1;
      return Promise.resolve({ iceServers: [{ urls: [`turn:t.test?n=${fetches}`] }], ttlSeconds: 600 });
    };
    const host = await started('host', { fetchJson });
    const guest = await started('guest', { fetchJson });
    guest.call.join();
    await until(() => expect(host.call.state.phase).toBe('connected'));
    expect(fetches).toBe(2);
    network.setLink(false, 'failed');
    await until(() => expect(peerOf(guest).restarts).toHaveLength(1));
    expect(peerOf(guest).restarts[0]).toBeUndefined(); // still fresh: the configuration stays
    network.linkUp = true;
    await until(() => expect(guest.call.state.phase).toBe('connected'));
    await timers.advanceSettling(301_000);
    network.setLink(false, 'failed');
    await until(() => expect(peerOf(guest).restarts).toHaveLength(2));
    expect(peerOf(guest).restarts[1]).toEqual([{ urls: ['turn:t.test?n=3'] }]);
  });
});
