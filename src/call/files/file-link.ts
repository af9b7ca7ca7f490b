import type { FileChannelLike } from './channel.js';
import { CHAT_ACTIVE_MS, CHAT_LIMITS, type FlowLimits, QUIET_LIMITS } from './limits.js';
import type { ChatPacing } from './pacing.js';

/** One link's file channel as the files feature keeps it: who waits for room on it, and its chat pacing. */
export interface FileLink {
  readonly channel: FileChannelLike;
  waiters: (() => void)[];
  /** When the peer last sent a chat message or acknowledged one of ours. */
  chatAt: number;
  /** Our file bytes' rate while people chat on the link, by round trips on the chat's path. */
  readonly pacing: ChatPacing;
}

/** Wakes every pump waiting for room on the link. */
export function wake(link: FileLink): void {
  const waiters = link.waiters;
  link.waiters = [];
  for (const resolve of waiters) resolve();
}

/** People chat on the link: a message or its receipt within CHAT_ACTIVE_MS. */
export function chatting(link: FileLink, now: number): boolean {
  return now - link.chatAt < CHAT_ACTIVE_MS;
}

/**
 * What file bytes keep to on the link: less buffered and less unread while people chat on it (a message or
 * its receipt within CHAT_ACTIVE_MS), so that chat does not wait behind them.
 */
export function flowLimits(link: FileLink, now: number): FlowLimits {
  return chatting(link, now) ? CHAT_LIMITS : QUIET_LIMITS;
}
