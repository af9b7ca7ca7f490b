import { admissionAuthorization, admissionFor } from '../call/admission.js';
import type { Invite } from '../call/link.js';

/**
 * Asks the server, every few seconds until aborted, whether the call's host is connected, so the page can
 * say "nobody is in this call yet" before the user clicks Join. The server answers only with the room's
 * admission token in hand. Failures are ignored: joining still works.
 */
export async function roomStatus(
  invite: Invite,
  signal: AbortSignal,
  report: (waiting: boolean) => void,
  everyMs = 3000,
): Promise<void> {
  const authorization = admissionAuthorization(await admissionFor(invite.secret));
  while (!signal.aborted) {
    try {
      const response = await fetch(`${invite.serverUrl}/api/rooms/${invite.room}`, {
        signal,
        cache: 'no-store',
        headers: { Authorization: authorization },
      });
      if (response.ok) report(((await response.json()) as { waiting?: unknown }).waiting === true);
    } catch {
      // offline or aborted: try again later
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
