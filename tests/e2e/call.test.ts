import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  audioLevel,
  framesAdvancing,
  launchKillable,
  launchPlain,
  launchWithExtension,
  type ExtensionBrowser,
} from '../support/chromium.js';
import { startCoturn, type RunningCoturn } from '../support/coturn.js';
import { startWaitingCall } from '../support/call-flow.js';
import { startServer } from '../support/server.js';

const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

const status = (page: Page) => page.getByRole('status').first();

describe('a call from the side panel to a guest without the extension', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let turn: RunningCoturn;
  let host: ExtensionBrowser;
  let guest: Awaited<ReturnType<typeof launchPlain>>;

  beforeAll(async () => {
    // A real TURN server, so that every call fetches credentials the way a deployment does.
    turn = await startCoturn('e2e-turn-secret');
    server = await startServer({ TURN_URLS: turn.turnUrl, TURN_SECRET: 'e2e-turn-secret' });
    [host, guest] = await Promise.all([launchWithExtension({ serverUrl: server.url }), launchPlain()]);
  });
  afterAll(async () => {
    await Promise.all([host?.close(), guest?.browser.close()]);
    await server?.close();
    await turn?.stop();
  });

  const turnCredentialsIssued = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/^diyalog_turn_credentials_issued_total (\d+)$/m.exec(text)?.[1] ?? NaN);
  };

  test('both sides see and hear each other, and a hang-up reaches the other side', async () => {
    const credentialsBefore = await turnCredentialsIssued();
    const panel = await host.open('sidepanel.html');
    const link = await startWaitingCall(panel);
    expect(link).toMatch(new RegExp(`^${server.url}/join/[A-Za-z0-9_-]{22}#s=[A-Za-z0-9_-]{22}$`));
    await expect.poll(() => framesAdvancing(panel, 'Your video', 500)).toBeGreaterThan(0);
    await panel.screenshot({ path: `${SHOTS}/sidepanel-waiting.png` });

    const join = guest.page;
    await join.goto(link);
    const joinButton = join.getByRole('button', { name: 'Join call' });
    await expect.poll(() => joinButton.isEnabled(), { timeout: 15_000 }).toBe(true);
    await join.screenshot({ path: `${SHOTS}/join-page.png` });
    // When the click's first sealed frame leaves, and when the call view (its "Hang up") is first shown: the
    // page draws it hidden during the preview, and shows it on the click.
    await join.evaluate(() => {
      const seen = { clicked: NaN, sent: [] as number[], view: NaN };
      addEventListener('click', () => (seen.clicked = performance.now()), { capture: true, once: true });
      (window as unknown as { __joinOrder: typeof seen }).__joinOrder = seen;
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (this: WebSocket, data) {
        // After the click only: the preview sends sealed frames of its own.
        if (typeof data === 'string' && data.includes('"CANDIDATE"') && seen.clicked <= performance.now())
          seen.sent.push(performance.now());
        return send.call(this, data);
      };
      new MutationObserver((_, observer) => {
        const hangUp = [...document.querySelectorAll('button')].find(
          (b) => b.textContent?.trim() === 'Hang up',
        );
        if (!hangUp?.checkVisibility()) return;
        seen.view = performance.now();
        observer.disconnect();
      }).observe(document.body, { childList: true, subtree: true, attributes: true });
    });
    await joinButton.click();

    await expect.poll(() => status(join).textContent(), { timeout: 15_000 }).toBe('Connected');
    await expect.poll(() => status(panel).textContent(), { timeout: 15_000 }).toBe('Connected');
    // The click's hello and candidates leave before the call view is shown, not behind it (CallStore.join).
    const order = await join.evaluate(
      () =>
        (window as unknown as { __joinOrder: { clicked: number; sent: number[]; view: number } }).__joinOrder,
    );
    expect(order.clicked).toBeGreaterThan(0);
    expect(order.sent.length).toBeGreaterThan(0);
    expect(order.view).toBeGreaterThan(order.sent[0]!);
    // Both the extension and the join page asked our server for TURN credentials.
    expect((await turnCredentialsIssued()) - credentialsBefore).toBeGreaterThanOrEqual(2);

    // Advancing remote frames and a live, audible remote audio track on both sides.
    for (const page of [panel, join]) {
      await expect
        .poll(() => framesAdvancing(page, 'Remote video', 1000), { timeout: 10_000 })
        .toBeGreaterThan(5);
      await expect
        .poll(() => audioLevel(page, 'Remote video', 1500), { timeout: 10_000 })
        .toBeGreaterThan(0.01);
    }
    await panel.screenshot({ path: `${SHOTS}/sidepanel-call.png` });
    await join.screenshot({ path: `${SHOTS}/join-call.png` });

    // Mute and camera-off reach the other side's view.
    await join.getByRole('button', { name: 'Mute' }).click();
    await join.getByRole('button', { name: 'Turn camera off' }).click();
    await join.getByRole('button', { name: 'Unmute' }).waitFor();
    await expect.poll(() => panel.getByText('Camera off').count(), { timeout: 5000 }).toBeGreaterThan(0);
    await join.getByRole('button', { name: 'Turn camera on' }).click();
    await join.getByRole('button', { name: 'Unmute' }).click();

    await join.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => status(panel).textContent(), { timeout: 5000 }).toMatch(/^Call ended/);
    await expect.poll(() => status(join).textContent(), { timeout: 5000 }).toBe('Call ended');
    await panel.getByRole('button', { name: 'Start a new call' }).waitFor();
    await panel.screenshot({ path: `${SHOTS}/sidepanel-ended.png` });
  });

  test('a guest whose browser is killed is shown as gone within 5 s', async () => {
    const panel = await host.open('sidepanel.html');
    const link = await startWaitingCall(panel);
    const doomed = await launchKillable();
    try {
      await doomed.page.goto(link);
      const joinButton = doomed.page.getByRole('button', { name: 'Join call' });
      await expect.poll(() => joinButton.isEnabled(), { timeout: 15_000 }).toBe(true);
      await joinButton.click();
      await expect.poll(() => status(panel).textContent(), { timeout: 15_000 }).toBe('Connected');
      doomed.kill(); // SIGKILL: no hang-up, no pagehide, no goodbye of any kind
      const killedAt = Date.now();
      await expect
        .poll(() => status(panel).textContent(), { timeout: 5000, interval: 100 })
        .toBe('Call ended — the other person left or lost their connection');
      console.log(`host saw the killed guest gone after ${Date.now() - killedAt} ms`);
    } finally {
      await doomed.cleanup();
    }
  });
});
