import { describe, expect, it } from 'vitest';
import { ipKey } from '../../peer-server/src/client-ip.js';
import { RefusalLog } from '../../peer-server/src/connection-guard.js';
import { hashId, withHashedIds, type LogEntry } from '../../peer-server/src/log.js';
import { admits } from '../../peer-server/src/signal/admission.js';
import { IdReservations } from '../../peer-server/src/signal/id-reservations.js';
import { PendingMessages } from '../../peer-server/src/signal/pending-messages.js';
import { admissionFor, roomForAdmission, roomForSecret } from '../../src/call/admission.js';
import { newId } from '../../src/call/ids.js';

describe('ipKey', () => {
  it('keeps IPv4 as it is and counts IPv6 per /64', () => {
    expect(ipKey('203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(ipKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(ipKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(ipKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ipKey('::1')).toBe('0:0:0:0::/64');
    expect(ipKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(ipKey('2001:db8:1:3::1')).not.toBe(ipKey('2001:db8:1:2::1'));
  });
});

describe('RefusalLog', () => {
  it('says a refusal once per reason and address per minute', () => {
    let now = 0;
    const log = new RefusalLog(60_000, () => now);
    expect(log.shouldLog('invalid-key', '1.2.3.4')).toBe(true);
    expect(log.shouldLog('invalid-key', '1.2.3.4')).toBe(false);
    expect(log.shouldLog('id-taken', '1.2.3.4')).toBe(true);
    expect(log.shouldLog('invalid-key', '1.2.3.5')).toBe(true);
    expect(log.shouldLog('invalid-key', '2001:db8:1:2::1')).toBe(true);
    expect(log.shouldLog('invalid-key', '2001:db8:1:2::99')).toBe(false); // same /64
    now = 60_000;
    expect(log.shouldLog('invalid-key', '1.2.3.4')).toBe(true);
  });
});

describe('IdReservations', () => {
  it('holds an id for its token until the time is up', () => {
    let now = 0;
    const held = new IdReservations(60_000, () => now);
    held.reserve('alice', 'token-a');
    expect(held.claim('alice', 'token-b')).toBe(false);
    now = 59_999;
    expect(held.claim('alice', 'token-b')).toBe(false);
    now = 60_000;
    expect(held.claim('alice', 'token-b')).toBe(true);
    held.reserve('bob', 'token-b');
    expect(held.claim('bob', 'token-b')).toBe(true); // the owner is back: the hold ends
    expect(held.size).toBe(0);
    held.reserve('carol', 't');
    now = 200_000;
    held.sweep();
    expect(held.size).toBe(0);
  });
});

describe('PendingMessages', () => {
  it('gives one sender only its share of the queue', () => {
    const pending = new PendingMessages({
      perDestination: 1000,
      totalBytes: 10_000,
      perSenderBytes: 1000,
      expireMs: 5000,
    });
    const data = 'x'.repeat(100);
    let accepted = 0;
    for (let i = 0; i < 50; i++)
      if (pending.add({ src: 'flooder', dst: `d${i}`, data, room: undefined })) accepted += 1;
    expect(accepted).toBe(10);
    expect(pending.bytesFrom('flooder')).toBe(1000);
    // Someone else still gets in.
    expect(pending.add({ src: 'honest', dst: 'late', data, room: undefined })).toBe(true);
    pending.take('d0');
    expect(pending.bytesFrom('flooder')).toBe(900);
  });
});

describe('admission (client and server agree)', () => {
  it('the room is the hash of the admission token, which is not the sealing key', async () => {
    const secret = newId();
    const admission = await admissionFor(secret);
    const room = await roomForSecret(secret);
    expect(room).toBe(await roomForAdmission(admission));
    expect(room).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(admits(room, admission)).toBe(true);
    expect(admits(room, await admissionFor(newId()))).toBe(false);
    expect(admits(room, undefined)).toBe(false);
    expect(admits(room, room)).toBe(false);
    // Neither the room nor the admission token opens a box sealed with the secret's key.
    expect(admission).not.toBe(secret);
    expect(await admissionFor(secret)).toBe(admission); // deterministic
  });
});

describe('withHashedIds', () => {
  it('replaces ids and rooms with keyed hashes, stable per key', () => {
    const lines: LogEntry[] = [];
    const log = withHashedIds((entry) => lines.push(entry), 'k');
    log({ event: 'room-joined', room: 'ROOM-ID', id: 'PEER-ID', members: 2 });
    log({ event: 'peer-connected', id: 'PEER-ID' });
    expect(lines[0]).toEqual({
      event: 'room-joined',
      room: hashId('k', 'ROOM-ID'),
      id: hashId('k', 'PEER-ID'),
      members: 2,
    });
    expect(lines[1]).toEqual({ event: 'peer-connected', id: hashId('k', 'PEER-ID') });
    expect(hashId('other', 'PEER-ID')).not.toBe(hashId('k', 'PEER-ID'));
    expect(JSON.stringify(lines)).not.toContain('PEER-ID');
  });
});
