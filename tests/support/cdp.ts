import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';

/**
 * A browser-level DevTools session. Playwright's persistent contexts only give page sessions, and
 * `Extensions.triggerAction` (the stand-in for a toolbar click) and side-panel targets need the browser's.
 */
export class BrowserCdp {
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      const waiter = msg.id === undefined ? undefined : this.#pending.get(msg.id);
      if (!waiter) return;
      this.#pending.delete(msg.id!);
      if (msg.error) waiter.reject(new Error(msg.error.message));
      else waiter.resolve(msg.result);
    });
  }

  /** Connects through the DevToolsActivePort file Chromium writes into its profile. */
  static async connect(profileDir: string): Promise<BrowserCdp> {
    const [port, path] = readFileSync(join(profileDir, 'DevToolsActivePort'), 'utf8').trim().split('\n');
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new BrowserCdp(ws);
  }

  send<T = unknown>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = this.#next++;
    this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((resolve, reject) =>
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject }),
    );
  }

  /** Evaluates an expression in a target (e.g. the real side panel) and returns its value. */
  async evaluate<T>(targetId: string, expression: string): Promise<T> {
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId,
      flatten: true,
    });
    try {
      const { result, exceptionDetails } = await this.send<{
        result: { value: T };
        exceptionDetails?: unknown;
      }>('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
      if (exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(exceptionDetails)}`);
      return result.value;
    } finally {
      await this.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
    }
  }

  async targets(): Promise<{ targetId: string; type: string; url: string; title: string }[]> {
    return (
      await this.send<{ targetInfos: { targetId: string; type: string; url: string; title: string }[] }>(
        'Target.getTargets',
      )
    ).targetInfos;
  }

  close(): void {
    this.ws.close();
  }
}
