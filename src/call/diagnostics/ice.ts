import { readStats, selectedPair, type StatsInput } from '../quality/stats.js';

/** One ICE candidate as getStats reports it (local: gathered by us; remote: told by the other side). */
export interface IceCandidateInfo {
  readonly side: 'local' | 'remote';
  readonly type: string;
  readonly protocol: string;
  /** An IP address or an mDNS name; "redacted" in a file saved with addresses hidden. */
  readonly address: string;
  readonly port: number | undefined;
  readonly networkType?: string;
  readonly relayProtocol?: string;
}

export interface IceReport {
  readonly candidates: readonly IceCandidateInfo[];
  /** The nominated, succeeded pair carrying the most bytes; undefined before one exists. */
  readonly selectedPair:
    | {
        readonly local: IceCandidateInfo | undefined;
        readonly remote: IceCandidateInfo | undefined;
        readonly state: string;
        readonly currentRoundTripTimeMs: number | undefined;
      }
    | undefined;
}

/** At most this many candidates are kept (a host with many interfaces and a relay gathers ~10). */
export const MAX_CANDIDATES = 40;

type Rec = Readonly<Record<string, unknown>>;
const str = (r: Rec, key: string) => (typeof r[key] === 'string' ? (r[key] as string) : undefined);
const num = (r: Rec, key: string) => (typeof r[key] === 'number' ? (r[key] as number) : undefined);

/** Reads the gathered candidates and the selected pair out of one getStats report. */
export function readIce(stats: StatsInput): IceReport {
  const all = [...('values' in stats ? stats.values() : stats)].filter(
    (s): s is Rec => typeof s === 'object' && s !== null,
  );
  const byId = new Map<string, IceCandidateInfo>();
  for (const s of all) {
    if (s['type'] !== 'local-candidate' && s['type'] !== 'remote-candidate') continue;
    const networkType = str(s, 'networkType');
    const relayProtocol = str(s, 'relayProtocol');
    byId.set(String(s['id']), {
      side: s['type'] === 'local-candidate' ? 'local' : 'remote',
      type: str(s, 'candidateType') ?? 'unknown',
      protocol: str(s, 'protocol') ?? 'unknown',
      address: str(s, 'address') ?? str(s, 'ip') ?? '',
      port: num(s, 'port'),
      ...(networkType === undefined ? {} : { networkType }),
      ...(relayProtocol === undefined ? {} : { relayProtocol }),
    });
  }
  // Read as the call connects, before the nomination: a file saved within the next read (5 s) once had no pair.
  const pair = selectedPair(readStats(stats));
  const rtt = pair ? num(pair, 'currentRoundTripTime') : undefined;
  return {
    candidates: [...byId.values()].slice(0, MAX_CANDIDATES),
    selectedPair: pair
      ? {
          local: byId.get(String(pair['localCandidateId'])),
          remote: byId.get(String(pair['remoteCandidateId'])),
          state: String(pair['state']),
          currentRoundTripTimeMs: rtt === undefined ? undefined : Math.round(rtt * 1000),
        }
      : undefined,
  };
}
