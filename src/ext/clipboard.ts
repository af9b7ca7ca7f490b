/**
 * Puts `text` on the clipboard; true only when the browser accepted it. The async Clipboard API needs a focused
 * document, which the side panel often is not (it opens beside the page without focus), so a `copy` event is
 * the fallback: extension pages may still write through it.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return copyThroughEvent(text);
  }
}

function copyThroughEvent(text: string): boolean {
  let written = false;
  const onCopy = (event: ClipboardEvent) => {
    if (!event.clipboardData) return;
    event.clipboardData.setData('text/plain', text);
    event.preventDefault();
    written = true;
  };
  document.addEventListener('copy', onCopy);
  try {
    // Deprecated, but still the one way for a page without focus; it returns false where it is refused.
    return document.execCommand('copy') && written;
  } finally {
    document.removeEventListener('copy', onCopy);
  }
}
