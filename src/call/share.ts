/**
 * Sharing a tab during a call, as a pure state machine: the camera, the consent question, the capture
 * starting, the tab on the call, and back to the camera (by the user, or because the tab closed, went to
 * another page or was stopped from the browser). The browser side (tab capture, audio mixing, the call's
 * senders) reads the phase and reports what happened as events; nothing here touches a browser.
 */

/** The tab being offered or shared. `tabId` is absent where the browser picks the tab (Firefox). */
export interface SharedTab {
  readonly tabId?: number;
  /** The tab's title ('' when the browser does not say). */
  readonly title: string;
}

/**
 * What the browser can share: one tab it names beforehand (Chrome's tabCapture), or a window or screen the
 * user picks in the browser's own dialog (Firefox's getDisplayMedia: no tabs, no sound).
 */
export type ShareSource = 'tab' | 'display';

/** Why a share could not start, in categories the user can act on. */
export type ShareProblem =
  | 'not-invoked'
  | 'not-capturable'
  | 'permission-denied'
  | 'no-tab'
  | 'unsupported'
  | 'not-connected'
  | 'failed';

/** Why a share ended. */
export type ShareEndReason = 'user' | 'tab-closed' | 'tab-navigated' | 'stopped-in-browser' | 'call-ended';

export type ShareNotice =
  | { readonly kind: 'problem'; readonly problem: ShareProblem }
  | { readonly kind: 'ended'; readonly reason: ShareEndReason };

export type ShareState =
  | {
      readonly phase: 'camera';
      /** Whether the user already said yes once in this call (the question is asked before the first share). */
      readonly consented: boolean;
      readonly notice?: ShareNotice;
    }
  | { readonly phase: 'confirming'; readonly consented: boolean; readonly tab: SharedTab }
  | {
      readonly phase: 'starting';
      readonly consented: true;
      readonly tab: SharedTab;
      /** The tab on the call meanwhile, when switching from one tab to another. */
      readonly previous?: SharedTab;
    }
  | { readonly phase: 'sharing'; readonly consented: true; readonly tab: SharedTab };

export type SharePhase = ShareState['phase'];

export type ShareEvent =
  /** The user asked to share `tab` ("Share this tab"). */
  | { readonly type: 'request'; readonly tab: SharedTab }
  | { readonly type: 'confirm' }
  | { readonly type: 'cancel' }
  /** The capture runs and the call sends it; `title`: what the browser says was picked, when it says. */
  | { readonly type: 'started'; readonly title?: string }
  | { readonly type: 'failed'; readonly problem: ShareProblem }
  /** The share ended (`user`: "Stop sharing"). */
  | { readonly type: 'ended'; readonly reason: ShareEndReason }
  /** The user closed the notice. */
  | { readonly type: 'dismiss' };

export const initialShareState: ShareState = { phase: 'camera', consented: false };

/** The next state; events that mean nothing in the current phase leave it unchanged (the same object). */
export function nextShare(state: ShareState, event: ShareEvent): ShareState {
  switch (event.type) {
    case 'request':
      if (state.phase === 'confirming' || state.phase === 'starting') return state;
      if (state.phase === 'sharing') {
        if (event.tab.tabId !== undefined && event.tab.tabId === state.tab.tabId) return state;
        return { phase: 'starting', consented: true, tab: event.tab, previous: state.tab };
      }
      return state.consented
        ? { phase: 'starting', consented: true, tab: event.tab }
        : { phase: 'confirming', consented: false, tab: event.tab };
    case 'confirm':
      return state.phase === 'confirming' ? { phase: 'starting', consented: true, tab: state.tab } : state;
    case 'cancel':
      return state.phase === 'confirming' ? { phase: 'camera', consented: state.consented } : state;
    case 'started':
      if (state.phase !== 'starting') return state;
      return {
        phase: 'sharing',
        consented: true,
        tab: event.title?.trim() ? { ...state.tab, title: event.title } : state.tab,
      };
    case 'failed':
      if (state.phase === 'starting' && state.previous) {
        // Switching tabs failed: the tab already on the call stays on it.
        return { phase: 'sharing', consented: true, tab: state.previous };
      }
      if (state.phase === 'sharing') return state;
      return {
        phase: 'camera',
        consented: state.consented,
        notice: { kind: 'problem', problem: event.problem },
      };
    case 'ended':
      if (state.phase !== 'sharing' && state.phase !== 'starting') return state;
      return event.reason === 'user' || event.reason === 'call-ended'
        ? { phase: 'camera', consented: true }
        : { phase: 'camera', consented: true, notice: { kind: 'ended', reason: event.reason } };
    case 'dismiss':
      return state.phase === 'camera' && state.notice
        ? { phase: 'camera', consented: state.consented }
        : state;
  }
}

/** A capture failure whose cause is already known (the UI words `problem`; `message` is the same code). */
export class ShareError extends Error {
  override readonly name = 'ShareError';
  constructor(readonly problem: ShareProblem) {
    super(problem);
  }
}

/**
 * Maps what the browser said when a capture failed to a problem. Chrome's tabCapture gives one message for
 * two causes ("Extension has not been invoked for the current page (see activeTab permission). Chrome pages
 * cannot be captured."): right after a click on our toolbar button on that tab (`invoked`) only the second
 * can be true. getUserMedia and getDisplayMedia reject with DOMException names.
 */
export function shareProblemOf(error: unknown, invoked: boolean): ShareProblem {
  if (error instanceof ShareError) return error.problem;
  const object = typeof error === 'object' && error !== null;
  const name = object ? String((error as { name?: unknown }).name) : '';
  const message = object ? String((error as { message?: unknown }).message) : String(error);
  if (/has not been invoked/i.test(message)) return invoked ? 'not-capturable' : 'not-invoked';
  if (/pages cannot be captured/i.test(message)) return 'not-capturable';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'permission-denied';
  return 'failed';
}
