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
