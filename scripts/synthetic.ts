/**
 * npm run synthetic -- --server <url> [--interval 10s] [--count N] [--failures 3] [--timeout 10s]
 *
 * Probes a Diyalog server through the call core's signaling (register, join, sealed offer/answer, leave) and
 * prints one JSON line per probe. Exits 1 once `--failures` probes in a row have failed; with `--count`, stops
 * after that many probes and exits 0 only if the last one passed (a container healthcheck: `--count 1`).
 * Exit 2: bad arguments.
 */
import { parseArgs } from 'node:util';
import { probe } from './synthetic/probe.js';

function seconds(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match)
    throw new Error(`--${name} must be a duration like 500ms, 10s or 1m (got ${JSON.stringify(text)})`);
  const value = Number(match[1]);
  return match[2] === 'ms' ? value : match[2] === 'm' ? value * 60_000 : value * 1000;
}

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
  return value;
}

async function main(): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      options: {
        server: { type: 'string' },
        interval: { type: 'string', default: '10s' },
        count: { type: 'string' },
        failures: { type: 'string' },
        timeout: { type: 'string', default: '10s' },
      },
      strict: true,
    });
    if (values.server === undefined)
      throw new Error('--server <url> is required (e.g. http://127.0.0.1:9000)');
    const server = new URL(values.server);
    if (server.protocol !== 'http:' && server.protocol !== 'https:')
      throw new Error('--server must be an http:// or https:// URL');
    options = {
      server: server.href,
      intervalMs: seconds(values.interval, 'interval'),
      timeoutMs: seconds(values.timeout, 'timeout'),
      count: values.count === undefined ? Infinity : positiveInt(values.count, 'count', 1),
      failures: positiveInt(values.failures, 'failures', 3),
    };
  } catch (error) {
    console.error(`synthetic: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }

  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  let failuresInARow = 0;
  let lastOk = false;
  for (let n = 1; n <= options.count && !stop.signal.aborted; n++) {
    const result = await probe(options.server, options.timeoutMs);
    console.log(JSON.stringify({ probe: n, server: options.server, ...result }));
    lastOk = result.outcome === 'ok';
    failuresInARow = lastOk ? 0 : failuresInARow + 1;
    if (failuresInARow >= options.failures) {
      console.error(
        `synthetic: ${failuresInARow} probe(s) in a row failed (last at ${result.stage}: ${result.error}) — exiting 1`,
      );
      return 1;
    }
    if (n < options.count)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalMs);
        stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
  }
  return lastOk ? 0 : 1;
}

process.exitCode = await main();
