/**
 * npm run package: builds once, then makes one store-ready package per browser in artifacts/, each with only
 * its own manifest keys, plus the source archive AMO asks for:
 *   artifacts/diyalog-chrome-<version>.zip    Chrome Web Store (or "Load unpacked" on its contents)
 *   artifacts/diyalog-firefox-<version>.xpi   AMO (or about:debugging → Load Temporary Add-on)
 *   artifacts/diyalog-source-<version>.zip    the sources of this commit, for AMO's reviewers
 * Both manifests are checked: Firefox's with `web-ext lint` (0 errors required), Chrome's for the keys and
 * files it names. `--no-build` packages the dist/ already built.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const webExt = join(root, 'node_modules/.bin/web-ext');

/** Keys (and permissions) only one browser understands; the other's store warns about or rejects them. */
type Target = 'chrome' | 'firefox';
type Manifest = Record<string, unknown> & {
  permissions?: string[];
  background: { service_worker?: string; scripts?: string[]; type?: string };
};

const ONLY: Record<Target, { keys: string[]; permissions: string[] }> = {
  chrome: { keys: ['side_panel', 'key'], permissions: ['sidePanel', 'tabCapture'] },
  firefox: { keys: ['sidebar_action', 'browser_specific_settings'], permissions: [] },
};

/** The manifest for one browser, from the universal one dist/ holds. */
export function manifestFor(browser: Target, universal: Manifest): Manifest {
  const other = browser === 'chrome' ? 'firefox' : 'chrome';
  const manifest = structuredClone(universal);
  for (const key of ONLY[other].keys) delete manifest[key];
  manifest.permissions = (manifest.permissions ?? []).filter((p) => !ONLY[other].permissions.includes(p));
  if (browser === 'chrome') {
    // The Web Store refuses an uploaded `key` (it assigns the id); Chrome runs `service_worker`.
    delete manifest.key;
    manifest.background = { ...manifest.background };
    delete manifest.background.scripts;
  } else {
    // Firefox runs `scripts` as an event page and warns that it ignores `service_worker`.
    manifest.background = { ...manifest.background };
    delete manifest.background.service_worker;
  }
  return manifest;
}

/** Copies dist/ with `browser`'s manifest into a fresh directory; returns it. */
export function stageFor(
  browser: Target,
  dist = join(root, 'dist'),
  dir = join(tmpdir(), `diyalog-${browser}-${process.pid}`),
): string {
  rmSync(dir, { recursive: true, force: true });
  cpSync(dist, dir, { recursive: true });
  const universal = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as Manifest;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifestFor(browser, universal), null, 2));
  return dir;
}

/** Zips a staged directory with `web-ext build`; returns the file. */
export function zip(sourceDir: string, artifactsDir: string, filename: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  run(webExt, [
    'build',
    '--source-dir',
    sourceDir,
    '--artifacts-dir',
    artifactsDir,
    '--filename',
    filename,
    '--overwrite-dest',
  ]);
  return join(artifactsDir, filename);
}

/** Firefox's linter as AMO runs it; throws on any error; returns the warnings' codes. */
export function lintFirefox(sourceDir: string): string[] {
  const out = spawnSync(webExt, ['lint', '--source-dir', sourceDir, '--output', 'json'], {
    encoding: 'utf8',
  });
  const report = JSON.parse(out.stdout) as {
    errors: { code: string; message: string }[];
    warnings: { code: string }[];
  };
  if (report.errors.length > 0)
    throw new Error(`web-ext lint: ${report.errors.map((e) => `${e.code} ${e.message}`).join('; ')}`);
  return report.warnings.map((w) => w.code);
}

/** Chrome has no offline linter here: check that every key is Chrome's and every file it names exists. */
export function checkChrome(sourceDir: string): void {
  const manifest = JSON.parse(readFileSync(join(sourceDir, 'manifest.json'), 'utf8')) as {
    [key: string]: unknown;
    background?: { service_worker?: string; scripts?: string[] };
    action?: { default_popup?: string; default_icon?: Record<string, string> };
    side_panel?: { default_path?: string };
    options_ui?: { page?: string };
    icons?: Record<string, string>;
    default_locale?: string;
  };
  const problems: string[] = [];
  for (const key of ONLY.firefox.keys) if (key in manifest) problems.push(`Firefox-only key ${key}`);
  if (manifest.background?.scripts)
    problems.push('background.scripts (Chrome MV3 wants service_worker only)');
  const files = [
    manifest.background?.service_worker,
    manifest.action?.default_popup,
    manifest.side_panel?.default_path,
    manifest.options_ui?.page,
    ...Object.values(manifest.icons ?? {}),
    ...Object.values(manifest.action?.default_icon ?? {}),
  ].filter((file): file is string => typeof file === 'string');
  for (const file of files) if (!existsSync(join(sourceDir, file))) problems.push(`missing ${file}`);
  if (
    manifest.default_locale &&
    !existsSync(join(sourceDir, '_locales', manifest.default_locale, 'messages.json'))
  )
    problems.push(`missing _locales/${manifest.default_locale}/messages.json`);
  if (problems.length > 0) throw new Error(`Chrome manifest: ${problems.join('; ')}`);
}

function run(command: string, args: string[], options: { stdio?: 'inherit' } = {}): string {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    ...options,
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
  return result.stdout;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
    .version;
  if (!process.argv.includes('--no-build')) {
    console.log('Building…');
    run('npm', ['run', 'build'], { stdio: 'inherit' });
  }
  const artifacts = join(root, 'artifacts');
  rmSync(artifacts, { recursive: true, force: true });

  const chrome = stageFor('chrome');
  checkChrome(chrome);
  const chromeZip = zip(chrome, artifacts, `diyalog-chrome-${version}.zip`);

  const firefox = stageFor('firefox');
  const warnings = lintFirefox(firefox);
  const xpi = zip(firefox, artifacts, `diyalog-firefox-${version}.xpi`);

  // AMO asks for the sources of a minified build: this commit's tracked files, with how to build them.
  const source = join(artifacts, `diyalog-source-${version}.zip`);
  execFileSync('git', ['archive', '--format=zip', `--prefix=diyalog-${version}/`, '-o', source, 'HEAD'], {
    cwd: root,
  });
  rmSync(chrome, { recursive: true, force: true });
  rmSync(firefox, { recursive: true, force: true });

  console.log(`
${chromeZip}
${xpi}   (web-ext lint: 0 errors, ${warnings.length} warnings${warnings.length ? `: ${[...new Set(warnings)].join(', ')}` : ''})
${source}   (git archive of HEAD; build it with: npm ci && npm run package)`);
}
