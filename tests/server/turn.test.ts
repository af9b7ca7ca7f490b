import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IceServersResponse } from '../../peer-server/src/turn.js';
import { CHROMIUM, chromiumArgs } from '../support/chromium.js';
import { startCoturn, type RunningCoturn } from '../support/coturn.js';
import { RawClient, ROOM, startServer, type RunningServer } from './helpers.js';

const SECRET = 'the-static-auth-secret';

interface RelayOutcome {
  readonly connected: boolean;
  readonly connectionState: string;
  readonly iceConnectionState: string;
  readonly candidateTypes: string[];
  readonly candidateErrors: { code: number; text: string }[];
  /** The candidate types of the selected pair (local, remote), when connected. */
  readonly selectedPair?: [string, string];
}

let browser: Browser;
let page: Page;
let coturn: RunningCoturn;
const servers: RunningServer[] = [];
const clients: RawClient[] = [];

beforeAll(async () => {
  [browser, coturn] = await Promise.all([
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs() }),
    startCoturn(SECRET),
  ]);
  page = await browser.newPage();
});
afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((running) => running.server.close()));
  await browser?.close();
  await coturn?.stop();
});

/** Our server with `secret` for TURN, one peer registered on it, and the ICE servers it got for that peer. */
async function credentialsFromServer(secret: string): Promise<IceServersResponse> {
  const running = await startServer({ turnUrls: [coturn.turnUrl], turnSecret: secret });
  servers.push(running);
  // An admitted room member, asking with its credentials in the Authorization header (as our client does).
  const client = await RawClient.register(running.port, 'relay-tester', 'relay-token', 'peerjs', {
    room: ROOM,
  });
  clients.push(client);
  const response = await fetch(`${running.url}/api/ice-servers`, {
    headers: { Authorization: 'Peer relay-tester.relay-token' },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as IceServersResponse;
}

/**
 * Two RTCPeerConnections in one page, relay candidates only, exchanging offer, answer and candidates
 * directly. Waits for `connected` (or failure), or — as a wrong credential leaves ICE at `new` forever
 * (shared/FIELD-NOTES.md) — for gathering to complete without a relay candidate.
 */
function tryRelayCall(iceServers: IceServersResponse['iceServers']): Promise<RelayOutcome> {
  return page.evaluate(async (iceServers) => {
    const config: RTCConfiguration = {
      iceServers: iceServers as RTCIceServer[],
      iceTransportPolicy: 'relay',
    };
    const a = new RTCPeerConnection(config);
    const b = new RTCPeerConnection(config);
    const candidateTypes: string[] = [];
    const candidateErrors: { code: number; text: string }[] = [];
    for (const [pc, other] of [
      [a, b],
      [b, a],
    ] as const) {
      pc.onicecandidate = (event) => {
        if (!event.candidate) return;
        candidateTypes.push(event.candidate.type ?? 'unknown');
        void other.addIceCandidate(event.candidate);
      };
      pc.onicecandidateerror = (event) => {
        const error = event as RTCPeerConnectionIceErrorEvent;
        candidateErrors.push({ code: error.errorCode, text: error.errorText });
      };
    }
    a.createDataChannel('probe');
    const gatheringDone = new Promise<void>((resolve) => {
      a.addEventListener('icegatheringstatechange', () => {
        if (a.iceGatheringState === 'complete') resolve();
      });
    });
    const settled = new Promise<boolean>((resolve) => {
      a.addEventListener('connectionstatechange', () => {
        if (a.connectionState === 'connected') resolve(true);
        if (a.connectionState === 'failed') resolve(false);
      });
    });
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);

    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000));
    const noRelay = gatheringDone.then(async () => {
      // Gathering over without a relay candidate: nothing can ever connect. Give ICE a moment to prove it.
      if (candidateTypes.includes('relay')) return new Promise<boolean>(() => {});
      await new Promise((resolve) => setTimeout(resolve, 500));
      return false;
    });
    const connected = await Promise.race([settled, timeout, noRelay]);

    let selectedPair: [string, string] | undefined;
    if (connected) {
      const stats = [...(await a.getStats()).values()] as Record<string, unknown>[];
      const transport = stats.find((s) => s.type === 'transport');
      const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
      const local = stats.find((s) => s.id === pair?.localCandidateId);
      const remote = stats.find((s) => s.id === pair?.remoteCandidateId);
      selectedPair = [String(local?.candidateType), String(remote?.candidateType)];
    }
    const outcome = {
      connected,
      connectionState: a.connectionState,
      iceConnectionState: a.iceConnectionState,
      candidateTypes,
      candidateErrors,
      ...(selectedPair ? { selectedPair } : {}),
    };
    a.close();
    b.close();
    return outcome;
  }, iceServers);
}

describe('TURN credentials against a real coturn (use-auth-secret)', () => {
  it('connect a relay-only call', async () => {
    const { iceServers, ttlSeconds } = await credentialsFromServer(SECRET);
    expect(ttlSeconds).toBe(600);
    const outcome = await tryRelayCall(iceServers);
    expect(outcome, coturn.output().slice(-2000)).toMatchObject({
      connected: true,
      connectionState: 'connected',
      selectedPair: ['relay', 'relay'],
      candidateErrors: [],
    });
  });

  it('fail with a secret coturn does not share: 401, no relay candidate, ICE never starts', async () => {
    const { iceServers } = await credentialsFromServer('not-the-secret');
    const outcome = await tryRelayCall(iceServers);
    expect(outcome.connected).toBe(false);
    expect(outcome.candidateTypes).not.toContain('relay');
    expect(outcome.candidateErrors.map((error) => error.code)).toContain(401);
    expect(outcome.iceConnectionState).toBe('new');
  });
});
