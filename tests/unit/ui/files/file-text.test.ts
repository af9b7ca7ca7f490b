import { describe, expect, it } from 'vitest';
import type { FileNotice } from '../../../../src/call/files/notices.js';
import { en } from '../../../../src/ui/text/en.js';
import { tr } from '../../../../src/ui/text/tr.js';

const ALL: FileNotice[] = [
  { code: 'too-big', name: 'huge.iso', limit: 10 * 1024 * 1024 },
  ...(
    ['declined', 'cancelled-by', 'left', 'refused-there', 'damaged-there', 'unknown', 'no-channel'] as const
  ).map((code) => ({ code, who: 'Bora' })),
  ...(['cancelled-by-you', 'damaged', 'gap', 'read-failed'] as const).map((code) => ({ code })),
  { code: 'short', got: 5, size: 9 },
  { code: 'overrun', size: 20 },
  { code: 'duplicates', count: 3 },
];

describe('files text', () => {
  it('words every notice the files core gives in English, with names, figures and the limit', () => {
    const f = en.files;
    expect(f.notice({ code: 'declined', who: 'Bora' })).toBe('Bora declined the file.');
    expect(f.notice({ code: 'cancelled-by', who: undefined })).toBe('Someone cancelled the transfer.');
    expect(f.notice({ code: 'cancelled-by-you' })).toBe('You cancelled the transfer.');
    expect(f.notice({ code: 'left', who: 'Ayla' })).toBe('Ayla left the call; the transfer stopped.');
    expect(f.notice({ code: 'damaged-there', who: 'Bora' })).toBe(
      "The file arrived damaged at Bora's side and was not kept.",
    );
    expect(f.notice({ code: 'duplicates', count: 1 })).toBe('1 repeated piece ignored.');
    expect(f.notice({ code: 'duplicates', count: 3 })).toBe('3 repeated pieces ignored.');
    expect(f.notice({ code: 'overrun', size: 20 })).toBe(
      'The sender sent more than the 20 bytes it announced; the transfer was stopped.',
    );
    expect(f.notice({ code: 'too-big', name: 'huge.iso', limit: 10 * 1024 * 1024 })).toBe(
      '“huge.iso” is larger than 10 MiB, the most this browser can receive in a call; it was declined.',
    );
    expect(f.limit(1024 ** 3)).toContain('1 GiB');
    expect(f.speed(5_400_000)).toBe('5.4 MB/s');
  });

  it('has Turkish for every notice, naming who and the figures, never empty or English', () => {
    for (const notice of ALL) {
      const said = tr.files.notice(notice);
      expect(said.length).toBeGreaterThan(10);
      expect(said).not.toBe(en.files.notice(notice));
      if ('who' in notice) expect(said).toContain('Bora');
    }
    expect(tr.files.notice({ code: 'too-big', name: 'a', limit: 1.5 * 1024 ** 3 })).toContain('1,5 GiB');
    expect(tr.files.speed(5_400_000)).toBe('5,4 MB/sn');
  });
});
