import { describe, expect, it } from 'vitest';
import { encodingFor, sendingFor } from '../../../../src/call/quality/actuation.js';

describe('actuation: what each level sends', () => {
  it('maps camera levels to 720p / 360p / 240p with their bitrate caps', () => {
    expect(encodingFor('high')).toEqual({
      active: true,
      maxBitrate: 2_500_000,
      scaleResolutionDownBy: 1,
      maxFramerate: 30,
    });
    expect(encodingFor('medium')).toEqual({
      active: true,
      maxBitrate: 800_000,
      scaleResolutionDownBy: 2,
      maxFramerate: 30,
    });
    expect(encodingFor('low')).toEqual({
      active: true,
      maxBitrate: 250_000,
      scaleResolutionDownBy: 3,
      maxFramerate: 15,
    });
  });

  it('scales from the real source height and never scales up', () => {
    // the fake camera gives 640×480 (FIELD-NOTES)
    expect(encodingFor('high', { sourceHeight: 480 }).scaleResolutionDownBy).toBe(1);
    expect(encodingFor('medium', { sourceHeight: 480 }).scaleResolutionDownBy).toBe(1.333);
    expect(encodingFor('low', { sourceHeight: 480 }).scaleResolutionDownBy).toBe(2);
    expect(encodingFor('low', { sourceHeight: 180 }).scaleResolutionDownBy).toBe(1);
  });

  it('keeps resolution over frame rate for a shared tab', () => {
    const camera = encodingFor('medium');
    const tab = encodingFor('medium', { sharing: true });
    expect(tab.scaleResolutionDownBy).toBe(1); // 1080p kept
    expect(tab.maxFramerate).toBeLessThan(camera.maxFramerate!);
    expect(tab.maxBitrate).toBe(camera.maxBitrate);
    expect(sendingFor('medium', { sharing: true }).degradationPreference).toBe('maintain-resolution');
    expect(sendingFor('medium').degradationPreference).toBe('maintain-framerate');
  });

  it('expresses audio-only as a null video track, the encoding kept at low for a quick return', () => {
    expect(sendingFor('audio-only')).toEqual({
      replaceTrackWithNull: true,
      encoding: encodingFor('low'),
      degradationPreference: 'maintain-framerate',
    });
    expect(sendingFor('low').replaceTrackWithNull).toBe(false);
  });
});
