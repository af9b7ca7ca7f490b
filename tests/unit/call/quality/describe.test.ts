import { describe, expect, it } from 'vitest';
import { describeDecision as decisionMessage } from '../../../../src/call/quality/describe.js';
import type { QualityDecision } from '../../../../src/call/quality/policy.js';
import { en } from '../../../../src/ui/text/en.js';
import { tr } from '../../../../src/ui/text/tr.js';

/** The decision as the English call window words it (src/ui/text/en.ts). */
const describeDecision = (d: QualityDecision) => en.decision(decisionMessage(d));

function decision(overrides: Partial<QualityDecision>): QualityDecision {
  const level = overrides.level ?? 'high';
  return {
    level,
    settledLevel: level,
    probing: false,
    mode: 'auto',
    reason: 'start',
    autoFallback: true,
    at: 0,
    figures: { availableKbps: undefined, lossPercent: undefined, sendKbps: undefined },
    overrideUntil: undefined,
    nextStepUpAt: undefined,
    ...overrides,
  };
}

describe('describeDecision', () => {
  it('explains audio-only with the upload figure', () => {
    const d = decision({
      level: 'audio-only',
      reason: 'bandwidth',
      figures: { availableKbps: 118.4, lossPercent: 0, sendKbps: 60 },
    });
    expect(describeDecision(d)).toBe(
      'Audio only — your connection is too slow for video (upload ~120 kbps). Video will come back by itself.',
    );
    // without figures it still reads well
    expect(describeDecision(decision({ level: 'audio-only', reason: 'probe-failed' }))).toBe(
      'Audio only — your connection is too slow for video. Video will come back by itself.',
    );
  });

  it('says which kind of trouble lowered the video', () => {
    const figures = { availableKbps: 1540, lossPercent: 6.4, sendKbps: 900 };
    expect(describeDecision(decision({ level: 'medium', reason: 'bandwidth', figures }))).toBe(
      'Video lowered to medium quality — your connection is slow (upload ~1.5 Mbps).',
    );
    expect(describeDecision(decision({ level: 'medium', reason: 'loss', figures }))).toBe(
      'Video lowered to medium quality — your connection is losing data (~6% lost).',
    );
  });

  it('tells the user video is coming back, and when it is on trial', () => {
    expect(describeDecision(decision({ level: 'low', reason: 'probe-succeeded' }))).toBe(
      'Video is back at low quality — it will improve by itself if your connection allows.',
    );
    expect(describeDecision(decision({ level: 'high', reason: 'recovered' }))).toBe(
      'Video is back to full quality.',
    );
    expect(
      describeDecision(decision({ level: 'high', settledLevel: 'medium', probing: true, reason: 'probe' })),
    ).toBe('Video at medium quality — checking whether your connection can carry better video…');
    expect(
      describeDecision(
        decision({ level: 'high', settledLevel: 'audio-only', probing: true, reason: 'user-released' }),
      ),
    ).toBe('Turning video back on — checking your connection first…');
    expect(describeDecision(decision({ level: 'high' }))).toBe('Video at full quality.');
  });

  it('describes the user’s own choices', () => {
    expect(
      describeDecision(
        decision({
          level: 'high',
          mode: 'forced-video',
          reason: 'user-video',
          at: 5000,
          overrideUntil: 35_000,
        }),
      ),
    ).toBe(
      'Video on at full quality, as you asked — it may freeze on this connection. Automatic audio-only is paused for 30 seconds.',
    );
    expect(
      describeDecision(decision({ level: 'low', reason: 'fallback-disabled', autoFallback: false })),
    ).toBe('Video is back at low quality — automatic audio-only is off in your settings.');
  });
});

describe('describeDecision in Turkish', () => {
  it('says the same facts with Turkish numbers', () => {
    const d = decision({
      level: 'audio-only',
      reason: 'bandwidth',
      figures: { availableKbps: 1540, lossPercent: 0, sendKbps: 60 },
    });
    expect(decisionMessage(d)).toEqual({ kind: 'audio-only-slow', uploadKbps: 1540 });
    expect(tr.decision(decisionMessage(d))).toBe(
      'Yalnızca ses — bağlantınız görüntü için çok yavaş (yükleme ~1,5 Mbps). Görüntü kendiliğinden geri gelecek.',
    );
    const lossy = decision({
      level: 'medium',
      reason: 'loss',
      figures: { availableKbps: 900, lossPercent: 6.4, sendKbps: 800 },
    });
    expect(tr.decision(decisionMessage(lossy))).toBe(
      'Görüntü orta kaliteye düşürüldü — bağlantınız veri kaybediyor (~%6 kayıp).',
    );
    const forced = decision({
      level: 'high',
      mode: 'forced-video',
      reason: 'user-video',
      at: 0,
      overrideUntil: 120_000,
    });
    expect(tr.decision(decisionMessage(forced))).toBe(
      'İstediğiniz gibi görüntü tam kalitede açık — bu bağlantıda donabilir. Otomatik yalnızca ses 2 dakika boyunca duraklatıldı.',
    );
    expect(en.decision(decisionMessage(forced))).toMatch(/paused for 2 minutes\.$/);
    // English counts in the singular for one.
    expect(en.decision(decisionMessage({ ...forced, overrideUntil: 1000 }))).toMatch(
      /paused for 1 second\.$/,
    );
    expect(en.decision(decisionMessage({ ...forced, overrideUntil: 60_000 }))).toMatch(
      /paused for 60 seconds\.$/,
    );
  });
});
