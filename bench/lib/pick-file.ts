import type { Page } from 'playwright-core';

/** In the page: puts a file of `size` random bytes in the "File to send" input, as a drop would. */
export async function pickFile(page: Page, name: string, size: number): Promise<void> {
  await page.evaluate(
    ({ name, size }) => {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
      const input = document.querySelector<HTMLInputElement>('input[aria-label="File to send"]')!;
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
      input.files = transfer.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
    },
    { name, size },
  );
}
