import { describe, expect, it } from 'vitest';
import { describeDecision } from '../../../../src/call/quality/describe.js';
import type { QualityDecision } from '../../../../src/call/quality/policy.js';

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
