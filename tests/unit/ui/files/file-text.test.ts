import { describe, expect, it } from 'vitest';
import { fileText } from '../../../../src/ui/files/file-text.js';

describe('fileText', () => {
  it('words every notice the files core gives, with names, figures and the limit', () => {
    expect(fileText.notice({ code: 'declined', who: 'Bora' })).toBe('Bora declined the file.');
    expect(fileText.notice({ code: 'cancelled-by', who: undefined })).toBe('Someone cancelled the transfer.');
    expect(fileText.notice({ code: 'cancelled-by-you' })).toBe('You cancelled the transfer.');
    expect(fileText.notice({ code: 'left', who: 'Ayla' })).toBe('Ayla left the call; the transfer stopped.');
    expect(fileText.notice({ code: 'damaged' })).toMatch(/arrived damaged/);
    expect(fileText.notice({ code: 'damaged-there', who: 'Bora' })).toBe(
      "The file arrived damaged at Bora's side and was not kept.",
    );
    expect(fileText.notice({ code: 'unknown', who: 'Ayla' })).toBe(
      'Ayla sent file data for a transfer that does not exist or was declined; it was ignored.',
    );
    expect(fileText.notice({ code: 'duplicates', count: 1 })).toBe('1 repeated piece ignored.');
    expect(fileText.notice({ code: 'duplicates', count: 3 })).toBe('3 repeated pieces ignored.');
    expect(fileText.notice({ code: 'overrun', size: 20 })).toBe(
      'The sender sent more than the 20 bytes it announced; the transfer was stopped.',
    );
    expect(fileText.notice({ code: 'gap' })).toBe(
      'Parts of the file arrived out of order; the transfer was stopped.',
    );
    expect(fileText.notice({ code: 'too-big', name: 'huge.iso', limit: 10 * 1024 * 1024 })).toBe(
      '“huge.iso” is larger than 10 MiB, the most this browser can receive in a call; it was declined.',
    );
    expect(fileText.notice({ code: 'short', got: 5, size: 9 })).toBe(
      'The transfer ended at 5 of 9 bytes; the file was not kept.',
    );
    for (const code of ['refused-there', 'no-channel'] as const)
      expect(fileText.notice({ code, who: 'Bora' })).toContain('Bora');
    expect(fileText.notice({ code: 'read-failed' })).toMatch(/could not be read/);
  });
});
