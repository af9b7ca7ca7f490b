import browser from 'webextension-polyfill';

/** Every message between extension contexts, by type. */
export interface MessageMap {
  /** The permission page got camera and microphone; the side panel may start its call. */
  'permission-granted': Record<never, never>;
  /** The popup's "Share this tab": the user just clicked our toolbar button on this tab. */
  'share-tab': { tabId: number; title: string };
}
export type Message = { [K in keyof MessageMap]: { type: K } & MessageMap[K] }[keyof MessageMap];

export async function sendMessage(message: Message): Promise<void> {
  // Nobody listening (no side panel open) is not an error.
  await browser.runtime.sendMessage(message).catch(() => undefined);
}

export function onMessage<K extends keyof MessageMap>(
  type: K,
  listener: (message: { type: K } & MessageMap[K]) => void,
): () => void {
  const handler = (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type === type)
      listener(message as { type: K } & MessageMap[K]);
  };
  browser.runtime.onMessage.addListener(handler);
  return () => browser.runtime.onMessage.removeListener(handler);
}
