import { qualityLevels, type QualityLevel } from '../../quality/config.js';
import type { DecisionReason } from '../../quality/policy.js';
import type { ChannelHandler } from '../handler.js';

const DECISION_REASONS: ReadonlySet<string> = new Set<DecisionReason>([
  'start',
  'bandwidth',
  'loss',
  'recovered',
  'probe',
  'probe-succeeded',
  'probe-failed',
  'user-audio-only',
  'user-video',
  'user-released',
  'override-expired',
  'fallback-disabled',
]);
const LEVELS: ReadonlySet<string> = new Set<string>(qualityLevels);

/** The other side's own quality decision (what it sends, and why), read strictly. */
export const quality: ChannelHandler<'quality'> = {
  parse(raw) {
    const { level, settledLevel, probing, reason, figures } = raw;
    if (typeof level !== 'string' || !LEVELS.has(level)) return undefined;
    if (typeof settledLevel !== 'string' || !LEVELS.has(settledLevel)) return undefined;
    if (typeof probing !== 'boolean' || typeof reason !== 'string' || !DECISION_REASONS.has(reason))
      return undefined;
    if (typeof figures !== 'object' || figures === null || Array.isArray(figures)) return undefined;
    const f = figures as Record<string, unknown>;
    const figure = (value: unknown): number | undefined | null =>
      value === undefined || value === null
        ? undefined
        : typeof value === 'number' && Number.isFinite(value) && value >= 0
          ? value
          : null;
    const availableKbps = figure(f.availableKbps);
    const lossPercent = figure(f.lossPercent);
    const sendKbps = figure(f.sendKbps);
    if (availableKbps === null || lossPercent === null || sendKbps === null) return undefined;
    return {
      t: 'quality',
      level: level as QualityLevel,
      settledLevel: settledLevel as QualityLevel,
      probing,
      reason: reason as DecisionReason,
      figures: { availableKbps, lossPercent, sendKbps },
    };
  },
  handle(context, message) {
    const { level, settledLevel, probing, reason, figures } = message;
    context.remote.decision = { level, settledLevel, probing, reason, figures };
    context.changed();
  },
};
