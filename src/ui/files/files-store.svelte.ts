import type { Call } from '../../call/call.js';
import { Files, type TransferView } from '../../call/files/files.js';
import type { FileNotice } from '../../call/files/notices.js';
import { newId } from '../../call/ids.js';
import { realTimers } from '../../call/ports.js';
import { workerSha256 } from '../../web/worker-sha256.js';
import { withShownNames } from '../shown-names.js';

/** Rune state around the call's file transfers; a verified file becomes a Blob the user can save. */
export class FilesStore {
  transfers: readonly TransferView[] = $state.raw([]);
  notices: readonly FileNotice[] = $state.raw([]);
  /** Object URLs of verified files, by transfer key. */
  saved: Readonly<Record<string, string>> = $state.raw({});
  readonly files: Files<Blob>;
  readonly #offs: (() => void)[];

  constructor(call: Call<MediaStream>) {
    this.files = new Files({
      room: withShownNames(call),
      timers: realTimers,
      newId: () => newId(),
      sha256: workerSha256,
      // Each whole piece leaves the page's heap as it arrives (Blob storage): no 100 MiB of ArrayBuffers for
      // the page's GC to walk, and the file is a Blob of these at the end, with nothing copied then.
      keep: (piece) => new Blob([piece]),
    });
    this.#offs = [
      this.files.on('change', () => {
        this.transfers = this.files.transfers;
        this.notices = [...this.files.notices];
      }),
      this.files.on('received', (key, parts, view) => {
        const blob = new Blob(parts, { type: view.mime || 'application/octet-stream' });
        this.saved = { ...this.saved, [key]: URL.createObjectURL(blob) };
      }),
    ];
  }

  send(list: FileList | null): void {
    for (const file of list ?? []) this.files.send(file);
  }

  save(view: TransferView): void {
    const url = this.saved[view.key];
    if (!url) return;
    const a = document.createElement('a');
    a.href = url;
    a.download = view.name;
    a.click();
  }

  dispose(): void {
    for (const off of this.#offs) off();
    this.files.dispose();
    for (const url of Object.values(this.saved)) URL.revokeObjectURL(url);
  }
}
