#!/usr/bin/env node
/**
 * npm start: builds the extension and the join page, starts the peer-server on localhost, and opens
 * Chromium with the extension loaded where a display exists (otherwise says how to load dist/).
 * Ctrl+C stops everything it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(root, 'dist');
const port = process.env.PORT ?? '9000';
const host = process.env.HOST ?? '127.0.0.1';
const serverUrl = `http://${host}:${port}`;

console.log('Building the extension and the join page…');
const build = spawnSync('npm', ['run', 'build'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, DIYALOG_SERVER_URL: process.env.DIYALOG_SERVER_URL ?? serverUrl },
});
if (build.status !== 0) process.exit(build.status ?? 1);

const children = [];
const stopAll = (code = 0) => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exit(code);
};
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

const server = spawn(
  process.execPath,
  [resolve(root, 'node_modules/tsx/dist/cli.mjs'), 'peer-server/src/main.ts'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PORT: port, HOST: host },
  },
);
children.push(server);
server.on('exit', (code) => {
  console.error(`The Diyalog server stopped (exit code ${code}).`);
  stopAll(code ?? 1);
});

await waitForHealth(`${serverUrl}/health`);
console.log(`\nDiyalog server: ${serverUrl}  (health: ${serverUrl}/health)`);

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) =>
  existsSync(p),
);
if ((process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && chromium) {
  const profile = resolve(root, '.tmp/chromium-profile');
  mkdirSync(profile, { recursive: true });
  const browser = spawn(
    chromium,
    [
      `--user-data-dir=${profile}`,
      `--disable-extensions-except=${dist}`,
      `--load-extension=${dist}`,
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Chromium refuses to run as root with its sandbox (containers, CI machines).
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      `${serverUrl}/health`,
    ],
    { stdio: 'ignore' },
  );
  children.push(browser);
  if (process.getuid?.() === 0) console.log('Running as root: Chromium was started without its sandbox.');
  console.log(
    'Chromium is open with Diyalog loaded: click the Extensions (puzzle) button, pin Diyalog, click it, then "Start call".',
  );
} else {
  console.log(`
No display found, so no browser was opened. To use Diyalog:
  1. Open chrome://extensions in Chrome or Chromium, switch on "Developer mode".
  2. Click "Load unpacked" and choose: ${dist}
  3. Click Diyalog's toolbar button, then "Start call"; send the copied link to the person you call.
  (Firefox: about:debugging → This Firefox → Load Temporary Add-on → ${dist}/manifest.json)`);
}
console.log('\nPress Ctrl+C to stop.');

async function waitForHealth(url) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error(`The server did not answer at ${url} within 10 s.`);
  stopAll(1);
}
