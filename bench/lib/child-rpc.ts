import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Request/response over a child's IPC channel: benchmark servers and load generators each run in their own
 * process (own CPU accounting, own 20,000 open-file limit), driven by the parent.
 */

interface Request {
  readonly rpc: number;
  readonly body: unknown;
}
type Response =
  | { readonly rpc: number; readonly ok: true; readonly value: unknown }
  | { readonly rpc: number; readonly ok: false; readonly error: string };

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const running = new Set<ChildProcess>();

// Whatever happens to the parent, no child outlives it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(130);
  });
}

export class ChildRpc {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  readonly exited: Promise<number | null>;
  #next = 1;

  private constructor(
    child: ChildProcess,
    readonly label: string,
  ) {
    this.#child = child;
    running.add(child);
    child.on('message', (message: Response) => {
      const waiter = this.#waiting.get(message.rpc);
      this.#waiting.delete(message.rpc);
      if (message.ok) waiter?.resolve(message.value);
      else waiter?.reject(new Error(`${label}: ${message.error}`));
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        running.delete(child);
        for (const waiter of this.#waiting.values()) waiter.reject(new Error(`${label} exited (${code})`));
        this.#waiting.clear();
        resolve(code);
      }),
    );
  }

  /** Starts `script` (TypeScript, through tsx) with `args`, optionally pinned to `cpus` (taskset list). */
  static start(label: string, script: URL, args: readonly string[], cpus: string | undefined): ChildRpc {
    const node = [process.execPath, '--expose-gc', '--import', 'tsx', fileURLToPath(script), ...args];
    const [command, ...rest] = cpus === undefined ? node : ['taskset', '-c', cpus, ...node];
    const child = spawn(command!, rest, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new ChildRpc(child, label);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  request<T>(body: unknown): Promise<T> {
    const rpc = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(rpc, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ rpc, body } satisfies Request);
    });
  }

  /** Ends the child: SIGTERM, then SIGKILL if it is still there after a second. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 1000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** In the child: answers the parent's requests with `handle`, and exits when the parent goes away. */
export function serveRpc(handle: (body: unknown) => Promise<unknown>): void {
  process.on('message', (message: Request) => {
    handle(message.body).then(
      (value) => process.send?.({ rpc: message.rpc, ok: true, value } satisfies Response),
      (error: unknown) =>
        process.send?.({
          rpc: message.rpc,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies Response),
    );
  });
  process.once('disconnect', () => process.exit(0));
  process.once('SIGTERM', () => process.exit(0));
}
