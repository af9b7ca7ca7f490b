/**
 * A small model of a Chromium sender on a rate-limited link, one step per second, so policy tests see the
 * estimate behave as FIELD-NOTES measured it rather than jump to whatever the test wishes:
 * - the encoder sends min(what the level allows, the estimate);
 * - sending more than the link gives loss and the estimate collapses (< 150 kbps within ~1–2 s of a
 *   100 kbit limit);
 * - the estimate only grows to 1.5 × what we send + 10 kbps (libwebrtc's AIMD cap), ~8 %/s before the first
 *   congestion and ~18 kbps per second after it (FIELD-NOTES' measured climb);
 * - `allocationProbe`: raising the allocation (a step up, video back) sends probe packets whose result
 *   becomes the estimate, up to the link — what Chromium's ProbeController does; off by default, so the
 *   policy is tested without relying on it.
 */
import type { QualityLevel } from '../../../../src/call/quality/config.js';
import type { QualitySample } from '../../../../src/call/quality/stats.js';
import { sample } from './samples.js';

/** Wire kbps a level asks for (audio ~50 kbps with headers). */
export const demandKbps: Readonly<Record<QualityLevel, number>> = {
  high: 2550,
  medium: 850,
  low: 300,
  'audio-only': 50,
};

export interface LinkSimOptions {
  /** The link's capacity at second t. */
  link: (t: number) => number;
  /** Loss not caused by us (a lossy radio), % at second t. */
  randomLoss?: (t: number) => number;
  allocationProbe?: boolean;
}

export class LinkSim {
  estimate = 300;
  #congestedOnce = false;
  #demand = 0;

  constructor(readonly options: LinkSimOptions) {}

  step(t: number, level: QualityLevel): QualitySample {
    const link = this.options.link(t);
    const demand = demandKbps[level];
    if (t === 1) this.estimate = Math.max(this.estimate, Math.min(link, 900)); // startup probes at 3× and 6×
    if (t === 2) this.estimate = Math.max(this.estimate, Math.min(link, 1800));
    if (this.options.allocationProbe && t > 2 && demand > this.#demand) {
      this.estimate = Math.max(this.estimate, Math.min(link, 2 * demand));
    }
    this.#demand = demand;
    const send = Math.min(demand, this.estimate);
    let loss = this.options.randomLoss?.(t) ?? 0;
    if (send > link) {
      loss += ((send - link) / send) * 100;
      this.estimate = Math.max(0.9 * link, this.estimate / 8);
      this.#congestedOnce = true;
    } else {
      const growth = this.#congestedOnce ? 18 : this.estimate * 0.08;
      this.estimate = Math.max(this.estimate, Math.min(this.estimate + growth, 1.5 * send + 10));
    }
    return sample({ available: this.estimate, loss: Math.min(100, loss), send: Math.min(send, link) });
  }
}
