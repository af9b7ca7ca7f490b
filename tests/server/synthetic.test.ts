import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMetrics, startServer, type RunningServer } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.server.close();
  running = undefined;
});

/** Runs `npm run synthetic`'s script as a child process (tsx, like npm does) and collects its output. */
function synthetic(
  args: string[],
): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/synthetic.ts', ...args], {
      cwd: ROOT,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += String(data)));
    child.stderr.on('data', (data: Buffer) => (stderr += String(data)));
    child.on('close', (code) =>
      done({
        code,
        lines: stdout
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
        stderr,
      }),
    );
  });
}

describe('npm run synthetic', () => {
  it('passes against a real server: register, join, sealed offer/answer, leave, one JSON line per probe', async () => {
    running = await startServer();
    const result = await synthetic(['--server', running.url, '--count', '3', '--interval', '100ms']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines).toHaveLength(3);
    for (const [i, line] of result.lines.entries()) {
      expect(line).toMatchObject({ probe: i + 1, outcome: 'ok' });
      const ms = line.ms as Record<string, number>;
      expect(Object.keys(ms).sort()).toEqual(['join', 'leave', 'offer-answer', 'register', 'total']);
      expect(ms.register).toBeLessThanOrEqual(ms.join!);
      expect(ms.join).toBeLessThanOrEqual(ms['offer-answer']!);
      expect(ms['offer-answer']).toBeLessThanOrEqual(ms.total!);
    }
    // The server relayed each probe's offer, answer and leave, and nobody stayed behind.
    const metrics = parseMetrics(await (await fetch(`${running.url}/metrics`)).text());
    expect(metrics.get('diyalog_messages_relayed_total')).toBe(9);
    expect(metrics.get('diyalog_peers_connected')).toBe(0);
  });

  it('fails clearly against a stopped server and exits 1 after the chosen number of failures in a row', async () => {
    const server = await startServer();
    const url = server.url;
    await server.server.close(); // the port is free now: connections are refused
    const result = await synthetic([
      '--server',
      url,
      '--count',
      '10',
      '--failures',
      '2',
      '--interval',
      '100ms',
    ]);
    expect(result.code).toBe(1);
    expect(result.lines).toHaveLength(2);
    for (const line of result.lines)
      expect(line).toMatchObject({ outcome: 'fail', stage: 'register', error: 'server-unreachable' });
    expect(result.stderr).toMatch(
      /2 probe\(s\) in a row failed \(last at register: server-unreachable\) — exiting 1/,
    );
  });
});
