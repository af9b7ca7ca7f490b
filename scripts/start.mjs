#!/usr/bin/env node
/**
 * npm start: builds the extension and the join page, starts the peer-server on localhost, and opens
 * Chromium with the extension loaded on its welcome page where a display exists (otherwise says how to load
 * dist/). `npm start -- --firefox` runs Firefox instead, through `web-ext run`.
 * Ctrl+C stops everything it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(root, 'dist');
const port = process.env.PORT ?? '9000';
const host = process.env.HOST ?? '127.0.0.1';
const serverUrl = `http://${host}:${port}`;
const useFirefox = process.argv.includes('--firefox');
/** Firefox's extension pages get this address (fixed through a pref, as in the tests). */
const FIREFOX_UUID = '5e0e4a4e-3c1a-4f6b-9d2a-d1a106000013';

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

const display = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const firefox = ['/usr/bin/firefox-esr', '/usr/bin/firefox'].find((p) => existsSync(p));
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) =>
  existsSync(p),
);
const manifest = JSON.parse(readFileSync(resolve(dist, 'manifest.json'), 'utf8'));
if (display && useFirefox && firefox) {
  const geckoId = manifest.browser_specific_settings.gecko.id;
  const browser = spawn(
    resolve(root, 'node_modules/.bin/web-ext'),
    [
      'run',
      '--target=firefox-desktop',
      `--firefox=${firefox}`,
      `--source-dir=${dist}`,
      '--no-reload',
      `--pref=extensions.webextensions.uuids=${JSON.stringify({ [geckoId]: FIREFOX_UUID })}`,
      `--start-url=moz-extension://${FIREFOX_UUID}/welcome.html`,
    ],
    { stdio: 'inherit' },
  );
  children.push(browser);
  console.log(
    'Firefox is starting with Diyalog loaded, on its welcome page (how to pin it and start a call).',
  );
} else if (display && !useFirefox && chromium) {
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
      `chrome-extension://${chromeExtensionId(manifest.key)}/welcome.html`,
    ],
    { stdio: 'ignore' },
  );
  children.push(browser);
  if (process.getuid?.() === 0) console.log('Running as root: Chromium was started without its sandbox.');
  console.log('Chromium is open with Diyalog loaded, on its welcome page (how to pin it and start a call).');
} else {
  console.log(`
No ${display ? (useFirefox ? 'Firefox' : 'Chromium') : 'display'} found, so no browser was opened. To use Diyalog:
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

/** Chrome's id for an unpacked extension with this manifest `key`: SHA-256 of the key, first 32 hex digits as a–p. */
function chromeExtensionId(key) {
  const hex = createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}
