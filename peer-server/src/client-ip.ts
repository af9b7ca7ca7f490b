import type { IncomingMessage } from 'node:http';

/**
 * The client's address for per-IP limits. Behind `trustedProxies` reverse proxies, each appends the address
 * it saw to X-Forwarded-For; the entry added by the outermost trusted one is the client, and anything left of
 * it is whatever the client claimed.
 */
export function clientIp(req: IncomingMessage, trustedProxies: number): string {
  const socketAddress = normalize(req.socket.remoteAddress ?? 'unknown');
  if (trustedProxies === 0) return socketAddress;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  const entry = hops[Math.max(0, hops.length - trustedProxies)];
  return entry === undefined ? socketAddress : normalize(entry);
}

/** `::ffff:1.2.3.4` and `1.2.3.4` are one client. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * The key per-IP limits count under: IPv4 addresses as they are, IPv6 by their /64 (one subscriber usually
 * gets a whole /64, so counting per /128 would give them 2^64 budgets).
 */
export function ipKey(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
