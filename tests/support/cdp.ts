import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';

/** The target a command went to closed before it answered (a popup that closes once clicked). */
export class TargetClosedError extends Error {}

/**
 * A browser-level DevTools session. Playwright's persistent contexts only give page sessions, and
 * `Extensions.triggerAction` (the stand-in for a toolbar click) and side-panel targets need the browser's.
 */
export class BrowserCdp {
  #next = 1;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; sessionId: string | undefined }
  >();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
        method?: string;
        params?: { sessionId?: string };
      };
      if (msg.method === 'Target.detachedFromTarget') {
        // Chromium never answers what was sent to a session whose target closed.
        for (const [id, waiter] of this.#pending) {
          if (waiter.sessionId === undefined || waiter.sessionId !== msg.params?.sessionId) continue;
          this.#pending.delete(id);
          waiter.reject(new TargetClosedError('the target closed before it answered'));
        }
        return;
      }
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

  /**
   * One DevTools command. A command to a target that goes away meanwhile (a popup closing) is never answered:
   * after `timeoutMs` it fails with the method's name, instead of hanging the test until its own timeout.
   */
  send<T = unknown>(method: string, params: object = {}, sessionId?: string, timeoutMs = 20_000): Promise<T> {
    const id = this.#next++;
    this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`DevTools did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        sessionId,
        resolve: (value) => {
          clearTimeout(timer);
          (resolve as (v: unknown) => void)(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
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

  /** A trusted mouse click on the centre of the first element matching `selector` (a real user gesture). */
  async click(targetId: string, selector: string): Promise<void> {
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId,
      flatten: true,
    });
    try {
      const { result } = await this.send<{ result: { value?: { x: number; y: number } } }>(
        'Runtime.evaluate',
        {
          expression: `(() => { const r = document.querySelector(${JSON.stringify(selector)})?.getBoundingClientRect();
            return r && { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`,
          returnByValue: true,
        },
        sessionId,
      );
      const point = result.value;
      if (!point) throw new Error(`nothing matches ${selector}`);
      for (const type of ['mousePressed', 'mouseReleased']) {
        try {
          await this.send(
            'Input.dispatchMouseEvent',
            { type, ...point, button: 'left', clickCount: 1 },
            sessionId,
          );
        } catch (error) {
          // The release was delivered and the page closed on it (the popup once its button opened the panel).
          if (type === 'mouseReleased' && error instanceof TargetClosedError) return;
          throw error;
        }
      }
    } finally {
      await this.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
    }
  }

  /** Saves a PNG of a target that Playwright cannot screenshot (the real popup or side panel). */
  async screenshot(targetId: string, path: string): Promise<void> {
    const { sessionId } = await this.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId,
      flatten: true,
    });
    try {
      const { data } = await this.send<{ data: string }>(
        'Page.captureScreenshot',
        { format: 'png' },
        sessionId,
      );
      writeFileSync(path, Buffer.from(data, 'base64'));
    } finally {
      await this.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
    }
  }

  /** Waits for a target whose URL ends with `suffix` (the popup, the side panel). */
  async waitForTarget(suffix: string, timeoutMs = 10_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const target = (await this.targets()).find((t) => t.url.endsWith(suffix));
      if (target) return target.targetId;
      if (Date.now() > end) throw new Error(`no target ${suffix} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Clicks the extension's toolbar button for the tab showing `tabUrl` (CDP stands in for the user). */
  async clickToolbarButton(extensionId: string, tabUrl: string): Promise<void> {
    const { targetInfos } = await this.send<{ targetInfos: { targetId: string; url: string }[] }>(
      'Target.getTargets',
      {
        filter: [{ type: 'tab' }],
      },
    );
    const tab = targetInfos.find((t) => t.url === tabUrl);
    if (!tab) throw new Error(`no tab showing ${tabUrl}`);
    await this.send('Extensions.triggerAction', { id: extensionId, targetId: tab.targetId });
  }

  close(): void {
    this.ws.close();
  }
}
