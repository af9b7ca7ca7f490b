import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * ResilientPeer overrides and calls private parts of @thaunknown/simple-peer (its `lite.js`). Upstream can
 * rename them in any release; these checks read both sources so that an upgrade which does fails here, not in
 * a call. (The package cannot be imported in Node: its WebRTC polyfill needs a native binary.)
 */
const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const upstream = read('../../../node_modules/@thaunknown/simple-peer/lite.js');
const ours = read('../../../src/web/resilient-peer.ts');
const pkg = JSON.parse(read('../../../package.json')) as { devDependencies: Record<string, string> };
const installed = JSON.parse(read('../../../node_modules/@thaunknown/simple-peer/package.json')) as {
  version: string;
};

/** Methods ResilientPeer replaces: upstream must still define them and call them from its event handlers. */
const OVERRIDDEN = ['_onConnectionStateChange', '_onIceStateChange', '_addIceCandidate'];

/** Every internal name ResilientPeer touches: `self.x` (the Internals view) and `this._x`. */
function internalsUsed(source: string): string[] {
  const names = new Set<string>();
  for (const [, name] of source.matchAll(/\bself\.(\w+)/g)) names.add(name!);
  for (const [, name] of source.matchAll(/\bthis\.(_\w+)/g)) names.add(name!);
  return [...names].sort();
}

function definedUpstream(name: string): boolean {
  const method = new RegExp(`^\\s{2}(?:async\\s+)?${name}\\s*\\(`, 'm');
  const field = new RegExp(`\\bthis\\.${name}\\s*=[^=]`);
  const getter = new RegExp(`^\\s{2}get\\s+${name}\\s*\\(`, 'm');
  return method.test(upstream) || field.test(upstream) || getter.test(upstream);
}

describe('simple-peer internals that ResilientPeer relies on', () => {
  it('is pinned to the exact version that was read', () => {
    expect(pkg.devDependencies['@thaunknown/simple-peer']).toBe(installed.version);
    expect(installed.version).toBe('10.1.2');
  });

  it('finds the internals it touches in its own source (the list below is not empty by accident)', () => {
    const used = internalsUsed(ours);
    for (const name of [
      '_pc',
      '_isNegotiating',
      '_queuedNegotiation',
      '_pcReady',
      '_maybeReady',
      '__destroy',
    ])
      expect(used).toContain(name);
  });

  it.each(internalsUsed(ours).filter((n) => n !== 'destroyed' && n !== 'emit'))(
    'upstream still defines %s',
    (name) => {
      expect(definedUpstream(name), `${name} is gone from simple-peer's lite.js`).toBe(true);
    },
  );

  it.each(OVERRIDDEN)('upstream still defines %s and calls it itself', (name) => {
    expect(definedUpstream(name)).toBe(true);
    // An override that upstream no longer calls would silently stop working.
    expect(upstream).toMatch(new RegExp(`this\\.${name}\\(`));
    expect(ours).toMatch(new RegExp(`^\\s{2}(?:override\\s+)?${name}\\(`, 'm'));
  });

  it('upstream still destroys on a failed connection in the handlers we replace (else drop the overrides)', () => {
    const body = upstream.slice(upstream.search(/^\s{2}_onConnectionStateChange\s*\(/m));
    expect(body.slice(0, 400)).toMatch(/failed/);
  });

  it('the checker itself rejects a name upstream does not have', () => {
    expect(definedUpstream('_noSuchInternal')).toBe(false);
  });
});
