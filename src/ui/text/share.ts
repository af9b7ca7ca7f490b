import type { ShareNotice } from '../../call/share.js';
import type { Text } from './en.js';

/** The words for a share notice ('' for ends the user caused, which need none). */
export function shareNoticeText(t: Text, notice: ShareNotice): string {
  if (notice.kind === 'problem') return t.share.problems[notice.problem];
  return notice.reason === 'user' || notice.reason === 'call-ended' ? '' : t.share.ended[notice.reason];
}
