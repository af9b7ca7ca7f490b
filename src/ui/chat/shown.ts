/**
 * How many of the newest messages the chat panel lays out: every message that arrives costs both pages a
 * frame whose style, layout, pre-paint and paint walk every message shown (with 500 shown, ~10 ms of the
 * main thread's CPU per message in Chromium on the 2-core test machine; see `bench/chat-cost.ts`). The log
 * keeps 500; older ones are a click away ("Show earlier messages").
 */
export const SHOWN_MESSAGES = 50;
/** How many more each "Show earlier messages" lays out. */
export const SHOW_MORE = 100;

/** The newest `count` entries (all of them when there are no more). */
export function newest<T>(entries: readonly T[], count: number): readonly T[] {
  return entries.length > count ? entries.slice(entries.length - count) : entries;
}
