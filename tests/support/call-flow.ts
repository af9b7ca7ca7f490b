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
