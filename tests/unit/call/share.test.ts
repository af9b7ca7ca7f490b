import { beforeEach, describe, expect, it } from 'vitest';
import { encodingFor } from '../../../src/call/quality/actuation.js';
import {
  initialShareState,
  nextShare,
  ShareError,
  shareProblemOf,
  type SharedTab,
  type ShareEvent,
  type ShareNotice,
  type ShareSource,
  type ShareState,
} from '../../../src/call/share.js';
import { en } from '../../../src/ui/text/en.js';
import { shareNoticeText } from '../../../src/ui/text/share.js';
import { CallRig, FakeTrack, nextTurn, type MediaCall } from './fakes.js';

const report = { tabId: 7, title: 'Quarterly report — Docs' };
const other = { tabId: 9, title: 'Inbox' };

// The English words (src/ui/text/en.ts) for what the share machine says.
const shareQuestion = (tab: SharedTab, source: ShareSource = 'tab') => en.share.question(tab.title, source);
const sharingText = (tab: SharedTab, source: ShareSource = 'tab') => en.share.sharing(tab.title, source);
const remoteSharingText = (title: string) => en.share.remote(title);
const shareButtonText = (source: ShareSource) => en.share.button(source);
const noticeText = (notice: ShareNotice) => shareNoticeText(en, notice);

function run(...events: ShareEvent[]): ShareState {
  return events.reduce(nextShare, initialShareState);
}

describe('the share state machine', () => {
  it('camera → confirming (naming the tab) → starting → sharing → camera', () => {
    const confirming = run({ type: 'request', tab: report });
    expect(confirming).toEqual({ phase: 'confirming', consented: false, tab: report });
    expect(shareQuestion(report)).toBe('Share ‘Quarterly report — Docs’ with the call?');

    const starting = nextShare(confirming, { type: 'confirm' });
    expect(starting).toEqual({ phase: 'starting', consented: true, tab: report });
    const sharing = nextShare(starting, { type: 'started' });
    expect(sharing).toEqual({ phase: 'sharing', consented: true, tab: report });
    expect(sharingText(report)).toBe('You are sharing ‘Quarterly report — Docs’');

    // "Stop sharing" goes back quietly: the user knows why.
    expect(nextShare(sharing, { type: 'ended', reason: 'user' })).toEqual({
      phase: 'camera',
      consented: true,
    });
  });

  it('asks before the first share of a call only', () => {
    const back = run(
      { type: 'request', tab: report },
      { type: 'confirm' },
      { type: 'started' },
      { type: 'ended', reason: 'user' },
    );
    expect(nextShare(back, { type: 'request', tab: other })).toEqual({
      phase: 'starting',
      consented: true,
      tab: other,
    });
  });

  it('a cancelled question shares nothing and asks again next time', () => {
    const cancelled = run({ type: 'request', tab: report }, { type: 'cancel' });
    expect(cancelled).toEqual({ phase: 'camera', consented: false });
    expect(nextShare(cancelled, { type: 'request', tab: report }).phase).toBe('confirming');
  });

  it.each([
    ['tab-closed', 'Sharing stopped: the shared tab was closed. The call shows your camera again.'],
    [
      'tab-navigated',
      'Sharing stopped: the shared tab went to another page. Share it again if you want to show the new page.',
    ],
    ['stopped-in-browser', 'Sharing was stopped from the browser. The call shows your camera again.'],
  ] as const)('%s returns to the camera by itself and says why', (reason, text) => {
    const after = run(
      { type: 'request', tab: report },
      { type: 'confirm' },
      { type: 'started' },
      { type: 'ended', reason },
    );
    expect(after).toEqual({ phase: 'camera', consented: true, notice: { kind: 'ended', reason } });
    if (after.phase !== 'camera' || !after.notice) throw new Error('no notice');
    expect(noticeText(after.notice)).toBe(text);
    expect(nextShare(after, { type: 'dismiss' })).toEqual({ phase: 'camera', consented: true });
  });

  it('a capture that fails leaves the camera on and says what to do', () => {
    const failed = run(
      { type: 'request', tab: report },
      { type: 'confirm' },
      { type: 'failed', problem: 'not-capturable' },
    );
    expect(failed).toEqual({
      phase: 'camera',
      consented: true,
      notice: { kind: 'problem', problem: 'not-capturable' },
    });
    if (failed.phase !== 'camera' || !failed.notice) throw new Error('no notice');
    expect(noticeText(failed.notice)).toMatch(/^This tab cannot be shared: .*chrome:\/\/ pages.*Web Store/);
    // A failure before any question (no tab, not invoked) keeps consent as it was.
    expect(run({ type: 'failed', problem: 'not-invoked' })).toEqual({
      phase: 'camera',
      consented: false,
      notice: { kind: 'problem', problem: 'not-invoked' },
    });
  });

  it('switching to another tab keeps the first on the call until the second runs', () => {
    const sharing = run({ type: 'request', tab: report }, { type: 'confirm' }, { type: 'started' });
    expect(nextShare(sharing, { type: 'request', tab: report })).toBe(sharing);
    const switching = nextShare(sharing, { type: 'request', tab: other });
    expect(switching).toEqual({ phase: 'starting', consented: true, tab: other, previous: report });
    expect(nextShare(switching, { type: 'failed', problem: 'failed' })).toEqual(sharing);
    expect(nextShare(switching, { type: 'started' })).toEqual({
      phase: 'sharing',
      consented: true,
      tab: other,
    });
  });

  it('ignores events that mean nothing in the current phase', () => {
    const camera = initialShareState;
    for (const event of [
      { type: 'confirm' },
      { type: 'cancel' },
      { type: 'started' },
      { type: 'ended', reason: 'tab-closed' },
      { type: 'dismiss' },
    ] as const) {
      expect(nextShare(camera, event), event.type).toBe(camera);
    }
    const confirming = run({ type: 'request', tab: report });
    expect(nextShare(confirming, { type: 'request', tab: other })).toBe(confirming);
    expect(nextShare(confirming, { type: 'started' })).toBe(confirming);
    const sharing = nextShare(nextShare(confirming, { type: 'confirm' }), { type: 'started' });
    expect(nextShare(sharing, { type: 'failed', problem: 'failed' })).toBe(sharing);
  });

  it('names an untitled tab "this tab", and the receiver is told in words', () => {
    expect(shareQuestion({ tabId: 1, title: '  ' })).toBe('Share this tab with the call?');
    expect(remoteSharingText('Red page')).toBe('The other person is sharing ‘Red page’');
    expect(remoteSharingText('')).toBe('The other person is sharing a tab');
  });

  it("Firefox's window-or-screen share promises no tab and no sound, and names what was picked", () => {
    expect(shareButtonText('display')).toBe('Share a window or your screen');
    expect(shareButtonText('tab')).toBe('Share this tab');
    const picker = { title: '' };
    const confirming = run({ type: 'request', tab: picker });
    expect(shareQuestion(picker, 'display')).toBe('Share a window or your screen with the call?');
    expect(en.share.explanation('display')).not.toMatch(/tab|sound|hear/i);
    // The host is told the browser's name for the pick, the same words the other side reads.
    const sharing = nextShare(nextShare(confirming, { type: 'confirm' }), {
      type: 'started',
      title: 'Primary Monitor',
    });
    expect(sharing).toEqual({ phase: 'sharing', consented: true, tab: { title: 'Primary Monitor' } });
    if (sharing.phase !== 'sharing') throw new Error('not sharing');
    expect(sharingText(sharing.tab, 'display')).toBe('You are sharing ‘Primary Monitor’');
    expect(remoteSharingText('Primary Monitor')).toBe('The other person is sharing ‘Primary Monitor’');
    expect(sharingText(picker, 'display')).toBe('You are sharing a window or your screen');
    // Chrome's tab keeps its own title when the capture names none.
    const tab = run({ type: 'request', tab: report }, { type: 'confirm' }, { type: 'started', title: '' });
    expect(tab).toEqual({ phase: 'sharing', consented: true, tab: report });
  });

  it('reads what the browser said into a problem the user can act on', () => {
    const chrome = new Error(
      'Extension has not been invoked for the current page (see activeTab permission). Chrome pages cannot be captured.',
    );
    expect(shareProblemOf(chrome, false)).toBe('not-invoked');
    // Right after a click on our button on that very tab, only the second half can be true.
    expect(shareProblemOf(chrome, true)).toBe('not-capturable');
    expect(shareProblemOf(new DOMException('Permission denied', 'NotAllowedError'), false)).toBe(
      'permission-denied',
    );
    expect(shareProblemOf(new ShareError('unsupported'), true)).toBe('unsupported');
    expect(shareProblemOf(new DOMException('Requested device not found', 'NotFoundError'), true)).toBe(
      'failed',
    );
    expect(shareProblemOf('weird', false)).toBe('failed');
  });
});

// ---------------------------------------------------------------------------------------------------------
// The call's side: the same senders, no renegotiation.

let rig: CallRig;
beforeEach(() => (rig = new CallRig()));

async function turns(): Promise<void> {
  for (let j = 0; j < 4; j++) await nextTurn();
}

const videoTracks = (calls: readonly MediaCall[]) =>
  calls.flatMap((c) => (c.op === 'replaceVideoTrack' ? [c.track] : []));
const audioTracks = (calls: readonly MediaCall[]) =>
  calls.flatMap((c) => (c.op === 'replaceAudioTrack' ? [c.track] : []));

/** A shared tab's tracks, marked so that deep equality never mistakes them for the camera's. */
function tab() {
  return {
    video: Object.assign(new FakeTrack('video'), { source: 'tab' }),
    audio: Object.assign(new FakeTrack('audio'), { source: 'tab and microphone' }),
    title: 'Red page',
    height: 1080,
  };
}

describe('Call: sharing a tab', () => {
  it('is refused before the call connects', async () => {
    const host = await rig.started('host');
    expect(host.call.startSharing(tab())).toBe(false);
    expect(host.call.snapshot.sharing).toBeUndefined();
  });

  it('swaps the tab onto the same senders, keeps resolution, tells the other side; stopping swaps back', async () => {
    const { host, guest } = await rig.connectedPair();
    await rig.seconds(2);
    const media = rig.peerOf(host).media;
    media.calls.length = 0;
    const share = tab();

    expect(host.call.startSharing(share)).toBe(true);
    await turns();
    expect(media.calls).toEqual([
      {
        op: 'setVideoEncoding',
        encoding: encodingFor('high', { sharing: true, sourceHeight: 1080 }),
        preference: 'maintain-resolution',
      },
      { op: 'replaceVideoTrack', track: share.video },
      { op: 'replaceAudioTrack', track: share.audio },
    ]);
    expect(host.call.snapshot.sharing).toBe('Red page');
    expect(guest.call.snapshot.remoteSharing).toBe('Red page');
    expect(host.call.snapshot.remoteSharing).toBeUndefined();
    // The camera keeps running underneath, for the way back.
    expect(host.stream.getTracks().some((t) => t.stopped)).toBe(false);

    // The next once-a-second decision keeps sending the tab at the sharing encoding.
    await rig.seconds(3);
    expect(videoTracks(media.calls)).toEqual([share.video]);
    expect(
      media.calls
        .filter((c) => c.op === 'setVideoEncoding')
        .every((c) => c.preference === 'maintain-resolution'),
    ).toBe(true);

    media.calls.length = 0;
    host.call.stopSharing();
    await turns();
    expect(media.calls).toEqual([
      { op: 'setVideoEncoding', encoding: encodingFor('high'), preference: 'maintain-framerate' },
      { op: 'replaceVideoTrack', track: host.stream.getVideoTracks()[0] },
      { op: 'replaceAudioTrack', track: host.stream.getAudioTracks()[0] },
    ]);
    expect(host.call.snapshot.sharing).toBeUndefined();
    expect(guest.call.snapshot.remoteSharing).toBeUndefined();

    // One peer connection each, all along: nothing was renegotiated, nothing reconnected.
    expect(rig.network.peers).toHaveLength(2);
    expect(rig.network.peers.every((p) => p.connected && !p.destroyed)).toBe(true);
    expect(host.call.state.phase).toBe('connected');
  });

  it('mute still mutes the microphone that feeds the mix; the tab sound goes on', async () => {
    const { host } = await rig.connectedPair();
    const share = tab();
    host.call.startSharing(share);
    host.call.setMuted(true);
    expect(host.stream.getAudioTracks()[0]?.enabled).toBe(false);
    expect(share.audio.enabled).toBe(true);
  });

  it('audio only while sharing: video stops, and the tab (not the camera) comes back with it', async () => {
    const { host } = await rig.connectedPair();
    await rig.seconds(2);
    const media = rig.peerOf(host).media;
    const share = tab();
    host.call.startSharing(share);
    await turns();
    media.calls.length = 0;

    host.call.forceAudioOnly();
    await rig.seconds(1);
    expect(videoTracks(media.calls)).toEqual([null]);
    host.call.releaseOverride();
    await rig.seconds(1);
    expect(videoTracks(media.calls)).toEqual([null, share.video]);
    const encoding = media.calls.findLast((c) => c.op === 'setVideoEncoding');
    expect(encoding).toMatchObject({ preference: 'maintain-resolution' });
    expect(audioTracks(media.calls)).toEqual([]);
  });

  it('stopping while audio only leaves video off, and the camera comes back with it', async () => {
    const { host, guest } = await rig.connectedPair();
    await rig.seconds(2);
    const media = rig.peerOf(host).media;
    const share = tab();
    host.call.startSharing(share);
    host.call.forceAudioOnly();
    await rig.seconds(1);
    media.calls.length = 0;

    host.call.stopSharing();
    await turns();
    expect(videoTracks(media.calls)).toEqual([]);
    expect(audioTracks(media.calls)).toEqual([host.stream.getAudioTracks()[0]]);
    expect(guest.call.snapshot.remoteSharing).toBeUndefined();
    host.call.releaseOverride();
    await rig.seconds(1);
    expect(videoTracks(media.calls)).toEqual([host.stream.getVideoTracks()[0]]);
  });

  it('a camera-off message does not hide a shared tab, and a malformed share message is ignored', async () => {
    const { host, guest } = await rig.connectedPair();
    host.call.startSharing(tab());
    host.call.setCameraOff(true);
    await turns();
    expect(guest.call.snapshot.remoteSharing).toBe('Red page');
    rig.peerOf(host).send(JSON.stringify({ t: 'share', title: 42 }));
    await turns();
    expect(guest.call.snapshot.remoteSharing).toBe('Red page');
  });
});
