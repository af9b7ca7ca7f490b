/**
 * What the files feature tells the user, as codes and figures; the UI words them (text modules). `who` is
 * the other side's name, undefined when they gave none.
 */
export type FileNotice =
  | { readonly code: 'too-big'; readonly name: string; readonly limit: number }
  | {
      readonly code:
        'declined' | 'cancelled-by' | 'left' | 'refused-there' | 'damaged-there' | 'unknown' | 'no-channel';
      readonly who: string | undefined;
    }
  | { readonly code: 'cancelled-by-you' | 'damaged' | 'gap' | 'read-failed' | 'check-failed' }
  | { readonly code: 'short'; readonly got: number; readonly size: number }
  | { readonly code: 'overrun'; readonly size: number }
  | { readonly code: 'duplicates'; readonly count: number };

const MAX_NOTICES = 20;
const MAX_KEYS = 256;

/** What was refused from others, newest last, at most MAX_NOTICES; each key (a transfer) said once. */
export class NoticeLog {
  readonly #list: FileNotice[] = [];
  readonly #warned = new Set<string>();

  get list(): readonly FileNotice[] {
    return this.#list;
  }

  /** Adds `message` unless `key` was said already; true if added. */
  add(key: string, message: FileNotice): boolean {
    if (this.#warned.has(key)) return false;
    if (this.#warned.size >= MAX_KEYS) this.#warned.clear();
    this.#warned.add(key);
    this.#list.push(message);
    if (this.#list.length > MAX_NOTICES) this.#list.shift();
    return true;
  }
}
