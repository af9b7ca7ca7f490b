import type { BrowserContext, Page } from 'playwright-core';

/**
 * A look inside a page's peer connections for when a test fails: every RTCPeerConnection the page makes is
 * kept, with a timeline of its signaling (descriptions set, their outcome, state changes, tracks), so that a
 * silent tile can be traced to its pair and what its negotiation did. Installed before the page's scripts run.
 */
export async function installPcProbe(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const Native = globalThis.RTCPeerConnection;
    if (!Native || (globalThis as { __pcs?: unknown }).__pcs) return;
    const pcs: { pc: RTCPeerConnection; log: string[]; born: number; mids: Set<string> }[] = [];
    (globalThis as { __pcs?: unknown }).__pcs = pcs;
    const t0 = performance.now();
    const at = () => `${Math.round(performance.now() - t0)}`;
    class Probed extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        const log: string[] = [];
        const mids = new Set<string>();
        pcs.push({ pc: this, log, born: Date.now(), mids });
        // Which m-sections (transports) the connection gathered candidates for.
        this.addEventListener('icecandidate', (e) => {
          if (e.candidate?.candidate) mids.add(e.candidate.sdpMid ?? String(e.candidate.sdpMLineIndex));
        });
        const note = (s: string) => log.push(`${at()} ${s}`);
        this.addEventListener('signalingstatechange', () => note(`signaling ${this.signalingState}`));
        this.addEventListener('connectionstatechange', () => note(`connection ${this.connectionState}`));
        this.addEventListener('negotiationneeded', () => note('negotiationneeded'));
        this.addEventListener('track', (e) => note(`track ${e.track.kind} mid=${e.transceiver.mid}`));
        this.addEventListener('datachannel', () => note('datachannel'));
        const wrap = <K extends 'setLocalDescription' | 'setRemoteDescription' | 'addTrack' | 'restartIce'>(
          name: K,
        ) => {
          const original = (this[name] as (...a: unknown[]) => unknown).bind(this);
          (this as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
            const d = args[0] as { type?: string; kind?: string } | undefined;
            note(`${name}(${d?.type ?? d?.kind ?? ''}) in ${this.signalingState}`);
            const result = original(...args);
            if (result instanceof Promise)
              result.then(
                () => note(`${name}(${d?.type ?? ''}) ok -> ${this.signalingState}`),
                (err: unknown) => note(`${name}(${d?.type ?? ''}) FAILED ${String(err)}`),
              );
            return result;
          };
        };
        wrap('setLocalDescription');
        wrap('setRemoteDescription');
        wrap('addTrack');
        wrap('restartIce');
      }
    }
    globalThis.RTCPeerConnection = Probed;
  });
}

export interface PcReport {
  readonly page: string;
  readonly index: number;
  readonly state: string;
  readonly localUfrag: string | undefined;
  readonly remoteUfrag: string | undefined;
  readonly transceivers: string[];
  readonly rtp: string[];
  readonly log: string[];
}

/** Every peer connection of a page: states, transceivers, RTP counters and its timeline. */
export async function reportPcs(page: Page, name: string): Promise<PcReport[]> {
  const reports = await page.evaluate(async () => {
    const pcs =
      (globalThis as { __pcs?: { pc: RTCPeerConnection; log: string[]; born: number }[] }).__pcs ?? [];
    const ufrag = (sdp: string | undefined) => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1];
    return Promise.all(
      pcs.map(async ({ pc, log }, index) => {
        const rtp: string[] = [];
        if (pc.connectionState !== 'closed') {
          const stats = await pc.getStats();
          stats.forEach((s: Record<string, unknown>) => {
            if (s.type === 'inbound-rtp')
              rtp.push(
                `in ${String(s.kind)} mid=${String(s.mid)} bytes=${String(s.bytesReceived)} frames=${String(s.framesDecoded ?? '')} packets=${String(s.packetsReceived)}${s.kind === 'audio' ? ` energy=${String(s.totalAudioEnergy)}` : ''}`,
              );
            if (s.type === 'outbound-rtp')
              rtp.push(
                `out ${String(s.kind)} mid=${String(s.mid)} bytes=${String(s.bytesSent)} frames=${String(s.framesEncoded ?? '')} active=${String(s.active)} limit=${String(s.qualityLimitationReason ?? '')}`,
              );
          });
        }
        return {
          index,
          state: `${pc.signalingState}/${pc.connectionState}/${pc.iceConnectionState}`,
          localUfrag: ufrag(pc.localDescription?.sdp),
          remoteUfrag: ufrag(pc.remoteDescription?.sdp),
          transceivers: pc
            .getTransceivers()
            .map(
              (t) =>
                `mid=${t.mid} ${t.receiver.track.kind} dir=${t.direction}/${t.currentDirection} send=${t.sender.track ? `${t.sender.track.kind}:${t.sender.track.readyState}:${t.sender.track.enabled}` : 'none'} recv=${t.receiver.track.readyState}:${t.receiver.track.muted ? 'muted' : 'unmuted'}:${t.receiver.track.id.slice(0, 8)}`,
            ),
          rtp,
          log,
        };
      }),
    );
  });
  return reports.map((r) => ({ page: name, ...r }));
}

/** Prints every page's peer connections, pairing each with its other end (by ICE ufrag) where it can. */
export async function printPcs(pages: readonly (readonly [string, Page])[]): Promise<void> {
  const all: PcReport[] = [];
  for (const [name, page] of pages) {
    if (page.isClosed()) continue;
    all.push(...(await reportPcs(page, name).catch(() => [])));
  }
  for (const r of all) {
    const other = all.find((o) => o !== r && o.localUfrag !== undefined && o.localUfrag === r.remoteUfrag);
    console.log(
      [
        `PC ${r.page}#${r.index} ${r.state} <-> ${other ? `${other.page}#${other.index}` : '?'}`,
        ...r.transceivers.map((t) => `  ${t}`),
        ...r.rtp.map((t) => `  ${t}`),
        ...r.log.map((t) => `  | ${t}`),
      ].join('\n'),
    );
  }
}

/** For each peer connection of the page: the m-sections it gathered candidates for (one per transport). */
export function candidateMids(page: Page): Promise<string[][]> {
  return page.evaluate(() =>
    ((globalThis as { __pcs?: { mids: Set<string> }[] }).__pcs ?? []).map((p) => [...p.mids].sort()),
  );
}
