import type { Page } from 'playwright-core';

/** The status line's text (every Diyalog page has one `role="status"` line first). */
export async function statusText(page: Page): Promise<string> {
  return (await page.getByRole('status').first().textContent()) ?? '';
}

/** Clicks "Start call" (or "Start a new call") in the side panel; returns the invite link once the call waits. */
export async function startWaitingCall(panel: Page): Promise<string> {
  await panel.getByRole('button', { name: /^Start (a new )?call$/ }).click();
  await panel
    .getByRole('status')
    .getByText('Waiting for someone to join', { exact: true })
    .waitFor({ timeout: 15_000 });
  return panel.getByLabel('Invite link').inputValue();
}

/** Opens the invite link in the guest's page and clicks "Join call" as soon as it can be clicked. */
export async function joinCall(page: Page, link: string): Promise<void> {
  await page.goto(link);
  const joinButton = page.getByRole('button', { name: 'Join call' });
  await joinButton.and(page.locator(':enabled')).waitFor({ timeout: 15_000 });
  await joinButton.click();
}

/** The side panel starts a call and the join page joins it; resolves once both say "Connected". */
export async function joinedCall(panel: Page, join: Page, timeout = 15_000): Promise<void> {
  await joinCall(join, await startWaitingCall(panel));
  for (const page of [join, panel])
    await page.getByRole('status').first().getByText('Connected', { exact: true }).waitFor({ timeout });
}

/**
 * Records, in the page, each trouble a group tile shows over a remote picture ("Connection unstable…",
 * "Reconnecting… (n s)"), with the tile's video label and the page's clock (exact to the DOM change).
 */
export async function recordTileTrouble(page: Page): Promise<{
  firstShown(label: string, pattern: RegExp): Promise<number | undefined>;
  /** The connection bars' label on that tile when the trouble first showed. */
  barsWhenShown(label: string, pattern: RegExp): Promise<string | undefined>;
}> {
  await page.evaluate(() => {
    const w = window as unknown as {
      __tileTrouble?: { label: string; text: string; bars: string; at: number }[];
      __tileObserver?: MutationObserver;
    };
    w.__tileObserver?.disconnect();
    const log: { label: string; text: string; bars: string; at: number }[] = [];
    w.__tileTrouble = log;
    const seen = new Set<string>();
    const look = () => {
      for (const item of document.querySelectorAll('[role="listitem"]')) {
        const label = item.querySelector('video')?.getAttribute('aria-label') ?? '';
        const text = item.querySelector('.trouble')?.textContent ?? '';
        if (text === '' || seen.has(`${label}|${text}`)) continue;
        seen.add(`${label}|${text}`);
        const bars =
          item.querySelector('[role="img"][aria-label^="Connection quality"]')?.getAttribute('aria-label') ??
          '';
        log.push({ label, text, bars, at: Date.now() });
      }
    };
    look();
    w.__tileObserver = new MutationObserver(look);
    w.__tileObserver.observe(document.body, { childList: true, characterData: true, subtree: true });
  });
  const first = async (label: string, pattern: RegExp) => {
    const log = await page.evaluate(
      () =>
        (window as unknown as { __tileTrouble?: { label: string; text: string; bars: string; at: number }[] })
          .__tileTrouble ?? [],
    );
    return log.find((entry) => entry.label === label && pattern.test(entry.text));
  };
  return {
    firstShown: async (label, pattern) => (await first(label, pattern))?.at,
    barsWhenShown: async (label, pattern) => (await first(label, pattern))?.bars,
  };
}

/**
 * Records, in the page, each text the status line shows and when (the page's Date.now(), the same clock as
 * the test's): `times()` gives the first time a text matching `pattern` was shown since `recordStatus`.
 * Exact to the DOM change, unlike sampling the text from the test.
 */
export async function recordStatus(
  page: Page,
): Promise<{ firstShown(pattern: RegExp): Promise<number | undefined> }> {
  await page.evaluate(() => {
    const w = window as unknown as {
      __statusLog?: { text: string; at: number }[];
      __statusObserver?: MutationObserver;
    };
    w.__statusObserver?.disconnect();
    const log: { text: string; at: number }[] = [];
    w.__statusLog = log;
    const element = document.querySelector('[role="status"]');
    if (!element) throw new Error('no status line');
    log.push({ text: element.textContent ?? '', at: Date.now() });
    w.__statusObserver = new MutationObserver(() => {
      const text = element.textContent ?? '';
      if (log.at(-1)?.text !== text) log.push({ text, at: Date.now() });
    });
    w.__statusObserver.observe(element, { childList: true, characterData: true, subtree: true });
  });
  return {
    async firstShown(pattern) {
      const log = await page.evaluate(
        () => (window as unknown as { __statusLog?: { text: string; at: number }[] }).__statusLog ?? [],
      );
      return log.find((entry) => pattern.test(entry.text))?.at;
    },
  };
}
