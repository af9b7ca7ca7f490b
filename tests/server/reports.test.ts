import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REPORTS_LIMITS, type ReportsLimits } from '../../peer-server/src/api/reports.js';
import { parseMetrics, startServer, type RunningServer } from './helpers.js';

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.server.close();
  running = undefined;
});

const GOOD = {
  v: 1,
  durationBucket: '5-15m',
  participants: 2,
  connected: true,
  mosBucket: 3.5,
  audioOnlySeconds: 12,
  reconnects: 1,
  rating: 4,
  browser: 'chrome',
};

/** Every test speaks through a trusted proxy, so that each can be its own client address. */
async function start(reportsLimits?: ReportsLimits): Promise<RunningServer> {
  running = await startServer({ trustProxy: 1 }, reportsLimits ? { reportsLimits } : {});
  return running;
}

function post(ip: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(`${running!.url}/api/reports`, {
    method: 'POST',
    headers: { 'Content-Type': contentType, 'X-Forwarded-For': ip },
    body,
  });
}

async function metrics(): Promise<Map<string, number>> {
  return parseMetrics(await (await fetch(`${running!.url}/metrics`)).text());
}

describe('POST /api/reports', () => {
  it('accepts a v1 summary and counts it in /metrics', async () => {
    await start();
    const before = await metrics();
    expect(before.get('diyalog_reported_calls_total{connected="yes"}')).toBe(0);
    const response = await post('10.0.0.1', JSON.stringify(GOOD));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: true });
    // text/plain is accepted too (a browser sends it cross-origin without a preflight).
    const second = { ...GOOD, connected: false, mosBucket: null, rating: null, browser: 'firefox' };
    expect((await post('10.0.0.1', JSON.stringify(second), 'text/plain')).status).toBe(202);

    const after = await metrics();
    expect(after.get('diyalog_reports_received_total{outcome="accepted"}')).toBe(2);
    expect(after.get('diyalog_reported_calls_total{connected="yes"}')).toBe(1);
    expect(after.get('diyalog_reported_calls_total{connected="no"}')).toBe(1);
    expect(after.get('diyalog_reported_call_mos_bucket{le="3"}')).toBe(0);
    expect(after.get('diyalog_reported_call_mos_bucket{le="3.5"}')).toBe(1);
    expect(after.get('diyalog_reported_call_mos_bucket{le="+Inf"}')).toBe(1);
    expect(after.get('diyalog_reported_call_mos_sum')).toBe(3.5);
    expect(after.get('diyalog_reported_call_duration_total{bucket="5-15m"}')).toBe(2);
    expect(after.get('diyalog_reported_call_participants_count')).toBe(2);
    expect(after.get('diyalog_reported_degraded_calls_total')).toBe(2);
    expect(after.get('diyalog_reported_audio_only_seconds_total')).toBe(24);
    expect(after.get('diyalog_reported_reconnects_total')).toBe(2);
    expect(after.get('diyalog_reported_ratings_total{rating="4"}')).toBe(1);
    expect(after.get('diyalog_reported_ratings_total{rating="none"}')).toBe(1);
    expect(after.get('diyalog_reported_browsers_total{browser="firefox"}')).toBe(1);
  });

  it('refuses malformed and off-schema bodies with 400 and says why, counting nothing else', async () => {
    await start();
    const cases: [string, string, RegExp][] = [
      ['10.0.1.1', '{"v":1,', /not valid JSON/],
      ['10.0.1.2', '"a string"', /not valid JSON|not a JSON object/],
      ['10.0.1.3', JSON.stringify([GOOD]), /not a JSON object/],
      ['10.0.1.4', JSON.stringify({ ...GOOD, v: 2 }), /v must be 1/],
      // No room for ids, names or addresses: unknown fields are refused, not dropped.
      ['10.0.1.5', JSON.stringify({ ...GOOD, peerId: 'AbCdEfGhIjKlMnOpQrStU_' }), /unknown field "peerId"/],
      ['10.0.1.6', JSON.stringify({ ...GOOD, participants: 1.5 }), /participants/],
      ['10.0.1.7', JSON.stringify({ ...GOOD, mosBucket: 3.7 }), /mosBucket/],
      ['10.0.1.8', JSON.stringify({ ...GOOD, rating: 6 }), /rating/],
      ['10.0.1.9', JSON.stringify({ ...GOOD, browser: 'Mozilla/5.0 (X11; Linux x86_64)' }), /browser/],
      ['10.0.1.10', JSON.stringify({ ...GOOD, audioOnlySeconds: -1 }), /audioOnlySeconds/],
      ['10.0.1.11', JSON.stringify({ ...GOOD, durationBucket: '3m' }), /durationBucket/],
    ];
    for (const [ip, body, reason] of cases) {
      const response = await post(ip, body);
      expect(response.status, body).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(reason);
    }
    expect((await post('10.0.1.12', JSON.stringify(GOOD), 'application/x-www-form-urlencoded')).status).toBe(
      415,
    );
    const after = await metrics();
    expect(after.get('diyalog_reports_received_total{outcome="invalid"}')).toBe(cases.length + 1);
    expect(after.get('diyalog_reports_received_total{outcome="accepted"}')).toBe(0);
    expect(after.get('diyalog_reported_calls_total{connected="yes"}')).toBe(0);
  });

  it('refuses an oversized body with 413 without reading it to the end', async () => {
    await start();
    const declared = await post('10.0.2.1', JSON.stringify({ ...GOOD, pad: 'x'.repeat(2000) }));
    expect(declared.status).toBe(413);

    // A chunked body with no Content-Length, 32 MiB if the server kept reading: it answers 413 long before.
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const result = await new Promise<{ status: number; sentBytes: number }>((resolve, reject) => {
      let sentBytes = 0;
      const req = request(
        `${running!.url}/api/reports`,
        { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '10.0.2.2' } },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, sentBytes });
          req.destroy();
        },
      );
      req.on('error', (error) => (sentBytes > 0 ? undefined : reject(error)));
      req.write('{"v":1,"pad":"');
      const pump = () => {
        while (sentBytes < 32 * 1024 * 1024 && !req.destroyed) {
          sentBytes += chunk.length;
          if (!req.write(chunk)) return req.once('drain', pump);
        }
      };
      pump();
    });
    expect(result.status).toBe(413);
    expect(result.sentBytes).toBeLessThan(32 * 1024 * 1024);
    const after = await metrics();
    expect(after.get('diyalog_reports_received_total{outcome="too-large"}')).toBe(2);
    expect((await fetch(`${running!.url}/health`)).status).toBe(200);
  });

  it('limits one address to 5 reports a minute (429) and everyone to a burst (503), and keeps serving', async () => {
    // The global bucket made small and slow, so that the machine's speed cannot refill it during the test.
    await start({ ...DEFAULT_REPORTS_LIMITS, globalBurst: 40, globalPerSecond: 0.01 });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await post('10.0.3.1', JSON.stringify(GOOD))).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429]);
    const limited = await post('10.0.3.1', JSON.stringify(GOOD));
    expect(limited.headers.get('retry-after')).toBe('60');

    // A crowd of addresses, 5 each: the global bucket (40 at once) runs out.
    const crowd = await Promise.all(
      Array.from({ length: 60 }, (_, i) => post(`10.1.${Math.floor(i / 5)}.${i % 5}`, JSON.stringify(GOOD))),
    );
    const counts = new Map<number, number>();
    for (const response of crowd) counts.set(response.status, (counts.get(response.status) ?? 0) + 1);
    // 35 left after the first address's 5; a refill of 0.01/s adds none within the test's seconds.
    expect(counts.get(202)).toBe(35);
    expect(counts.get(503)).toBe(25);
    const after = await metrics();
    expect(after.get('diyalog_reports_received_total{outcome="rate-limited"}')).toBe(3);
    expect(after.get('diyalog_reports_received_total{outcome="busy"}')).toBe(counts.get(503));
    expect((await fetch(`${running!.url}/health`)).status).toBe(200);
  });

  it('counts IPv6 clients by their /64: a new address in the same /64 gets no new budget', async () => {
    await start();
    const statuses: number[] = [];
    for (let i = 1; i <= 6; i++)
      statuses.push((await post(`2001:db8:5:6::${i.toString(16)}`, JSON.stringify(GOOD))).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    expect((await post('2001:db8:5:7::1', JSON.stringify(GOOD))).status).toBe(202);
  });

  it('refuses pages from other origins (403) but takes the extension’s', async () => {
    await start();
    const foreign = await fetch(`${running!.url}/api/reports`, {
      method: 'POST',
      headers: {
        'Content-Type': 'text/plain',
        Origin: 'https://evil.example',
        'X-Forwarded-For': '10.0.4.1',
      },
      body: JSON.stringify(GOOD),
    });
    expect(foreign.status).toBe(403);
    const ours = await fetch(`${running!.url}/api/reports`, {
      method: 'POST',
      headers: {
        'Content-Type': 'text/plain',
        Origin: 'chrome-extension://bgmhambpgpejnbihikfcjmliocfnoidh',
        'X-Forwarded-For': '10.0.4.2',
      },
      body: JSON.stringify(GOOD),
    });
    expect(ours.status).toBe(202);
  });
});

describe('the Grafana dashboard (peer-server/grafana/diyalog-dashboard.json)', () => {
  it('queries only metrics that GET /metrics serves', async () => {
    await start();
    // Named by their TYPE lines: a labeled counter shows no sample before its first count.
    const text = await (await fetch(`${running!.url}/metrics`)).text();
    const served = new Set(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!],
      ),
    );
    const dashboard = JSON.parse(
      await readFile(
        resolve(import.meta.dirname, '../../peer-server/grafana/diyalog-dashboard.json'),
        'utf8',
      ),
    ) as { panels: { title: string; targets: { expr: string }[] }[] };
    const used = dashboard.panels.flatMap((panel) =>
      panel.targets.flatMap((target) => target.expr.match(/diyalog_[a-z_]+/g) ?? []),
    );
    expect(used.length).toBeGreaterThan(10);
    for (const name of used) expect(served, name).toContain(name);
  });
});
