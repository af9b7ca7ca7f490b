/** How close to the end (px) still counts as "at the end": rounding and a line's slack. */
export const FOLLOW_SLACK_PX = 24;

/**
 * Whether a scrolled list shows its end, so that a new message may scroll it into view: a reader who
 * scrolled up to read older messages keeps their place when one arrives.
 */
export function atEnd(scrollTop: number, clientHeight: number, scrollHeight: number): boolean {
  return scrollHeight - (scrollTop + clientHeight) <= FOLLOW_SLACK_PX;
}
