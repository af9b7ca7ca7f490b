/**
 * npm run bench:quality — adaptive quality under a real bandwidth limit (tbf in network namespaces; needs
 * root). The guest's upload is cut to 100 kbit/s mid-call:
 *   - limit → the guest shows "Audio only", and lift → video is back on the host, over BENCH_RUNS runs;
 *   - a steady BENCH_STEADY_SECONDS constrained run: how often the settled mode switches (flaps), and the
 *     host's received call quality (MOS) compared with the same call with automatic fallback switched off
 *     (the baseline, measured in the same run).
 */
import { framesAdvancing } from '../tests/support/chromium.js';
import { createNetLab, launchExtensionIn, launchPlainIn } from '../tests/support/netns.js';
import { joinCall, startWaitingCall, statusText } from '../tests/support/call-flow.js';
import { startServer } from '../tests/support/server.js';
import { formatRow, HEADER, summarize } from './lib/summary.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 60);
const LIMIT_KBIT = 100;
const PAUSED = "The other person's video is paused: poor connection";
const FALLBACK = 'Switch to audio only automatically when the connection is poor';

const lab = await createNetLab();
const server = await startServer({ HOST: lab.serverHost });
const host = await launchExtensionIn(lab, 'a', server.url);
const guest = await launchPlainIn(lab, 'b', server.url);
const panel = await host.open('sidepanel.html');
const join = guest.page;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await check()) return performance.now() - start;
    await sleep(everyMs);
  }
  throw new Error(`not within ${timeoutMs} ms`);
}
const guestAudioOnly = async () => (await statusText(join)).includes('Audio only');
const hostPaused = async () => (await panel.getByText(PAUSED).count()) > 0;

async function startCall(autoFallback: boolean): Promise<void> {
  await joinCall(join, await startWaitingCall(panel));
  await waitFor(async () => (await statusText(panel)) === 'Connected', 15_000);
  await join.getByRole('button', { name: 'Connection details' }).click();
  const box = join.getByRole('checkbox', { name: FALLBACK });
  if ((await box.isChecked()) !== autoFallback) await box.click();
  await join.getByRole('button', { name: 'Connection details' }).click();
  // Past the policy's start-up grace, with video flowing.
  await waitFor(async () => (await framesAdvancing(panel, 'Remote video', 500)) > 3, 15_000);
  await sleep(5000);
}

async function hangUp(): Promise<void> {
  await lab.clearLimit('b');
  await join.getByRole('button', { name: 'Hang up' }).click();
  await panel.getByRole('button', { name: 'Start a new call' }).waitFor();
}

/** The host's received call quality, as its details panel shows it. */
async function hostMos(): Promise<number> {
  const text = await panel.locator('dt:text-is("Call quality (MOS)") + dd').textContent();
  return Number(text);
}

try {
  const toAudioOnly: number[] = [];
  const videoBack: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    await startCall(true);
    await lab.limitUpload('b', LIMIT_KBIT);
    toAudioOnly.push(await waitFor(guestAudioOnly, 20_000));
    await sleep(5000);
    await lab.clearLimit('b');
    videoBack.push(
      await waitFor(
        async () =>
          !(await guestAudioOnly()) &&
          !(await hostPaused()) &&
          (await framesAdvancing(panel, 'Remote video', 300)) > 1,
        120_000,
        250,
      ),
    );
    await hangUp();
    process.stderr.write(`\rrun ${run}/${RUNS}`);
  }
  process.stderr.write('\n');

  const steady: Record<string, { settledSwitches: number; senderSwitches: number; mos: number[] }> = {};
  for (const autoFallback of [true, false]) {
    await startCall(autoFallback);
    await panel.getByRole('button', { name: 'Connection details' }).click();
    await lab.limitUpload('b', LIMIT_KBIT);
    const result = { settledSwitches: 0, senderSwitches: 0, mos: [] as number[] };
    let settled = await hostPaused();
    let sender = await guestAudioOnly();
    let nextMos = performance.now() + 1000;
    const end = performance.now() + STEADY_SECONDS * 1000;
    while (performance.now() < end) {
      const [nowSettled, nowSender] = [await hostPaused(), await guestAudioOnly()];
      if (nowSettled !== settled) result.settledSwitches++;
      if (nowSender !== sender) result.senderSwitches++;
      [settled, sender] = [nowSettled, nowSender];
      if (performance.now() >= nextMos) {
        const mos = await hostMos();
        if (Number.isFinite(mos) && mos > 0) result.mos.push(mos);
        nextMos += 1000;
      }
      await sleep(200);
    }
    await panel.getByRole('button', { name: 'Connection details' }).click();
    steady[autoFallback ? 'automatic fallback on' : 'automatic fallback off (baseline)'] = result;
    await hangUp();
  }

  console.log(`\nGuest upload limited to ${LIMIT_KBIT} kbit/s mid-call (tbf), ${RUNS} runs\n`);
  console.log(HEADER);
  console.log(formatRow('limit → guest says "Audio only"', summarize(toAudioOnly)));
  console.log(formatRow('limit lifted → video back on host', summarize(videoBack)));
  console.log(
    `\nSteady ${STEADY_SECONDS} s at ${LIMIT_KBIT} kbit/s (switches counted after the limit starts)\n`,
  );
  for (const [name, r] of Object.entries(steady)) {
    // The first switch is the fallback itself; any later one is a flap.
    console.log(
      `${name.padEnd(36)} settled-mode switches ${r.settledSwitches} (flaps: ${Math.max(0, r.settledSwitches - 1)}), sender status switches ${r.senderSwitches}`,
    );
  }
  console.log(`\nHost's received call quality (MOS, once a second) while constrained\n`);
  console.log(HEADER);
  for (const [name, r] of Object.entries(steady)) console.log(formatRow(name, summarize(r.mos), 'MOS'));
  const [on, off] = Object.values(steady).map((r) => summarize(r.mos).median);
  console.log(`\nmedian MOS ratio, fallback on / off: ${(on! / off!).toFixed(2)}`);
} finally {
  await Promise.allSettled([host.close(), guest.browser.close()]);
  await server.close();
  await lab.destroy();
}
