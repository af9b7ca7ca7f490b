import { describe, expect, it } from 'vitest';
import {
  cappedEncoding,
  encodingFor,
  limitedEncoding,
  sendingFor,
} from '../../../../src/call/quality/actuation.js';
import { roomCameraLimit } from '../../../../src/call/quality/uplink-budget.js';

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

  it('expresses audio-only as a null video track, the encoding kept at low (inactive) for a quick return', () => {
    expect(sendingFor('audio-only')).toEqual({
      replaceTrackWithNull: true,
      encoding: { ...encodingFor('low'), active: false },
      degradationPreference: 'maintain-framerate',
    });
    expect(sendingFor('low').replaceTrackWithNull).toBe(false);
  });

  it("a link's share of the uplink caps its bitrate and the resolution that bitrate buys, never more", () => {
    const high = encodingFor('high');
    // No cap, or a cap above the level's bitrate: the level's own encoding.
    expect(cappedEncoding(high, undefined)).toBe(high);
    expect(cappedEncoding(high, 3_000_000)).toBe(high);
    // Three people (710 kbps a link): 360p; four or more (460, 260 kbps): 240p.
    expect(cappedEncoding(high, 710_000)).toEqual({ ...high, maxBitrate: 710_000, scaleResolutionDownBy: 2 });
    expect(cappedEncoding(high, 460_000)).toEqual({ ...high, maxBitrate: 460_000, scaleResolutionDownBy: 3 });
    // From the real source height (a 480-line camera: 240p is half), never scaled up.
    expect(
      cappedEncoding(encodingFor('high', { sourceHeight: 480 }), 460_000, { sourceHeight: 480 }),
    ).toMatchObject({
      scaleResolutionDownBy: 2,
    });
    expect(
      cappedEncoding(encodingFor('high', { sourceHeight: 200 }), 460_000, { sourceHeight: 200 }),
    ).toMatchObject({
      scaleResolutionDownBy: 1,
    });
    // Six people (260 kbps a link): the low row's frame rate too.
    expect(cappedEncoding(high, 260_000)).toEqual({
      ...high,
      maxBitrate: 260_000,
      scaleResolutionDownBy: 3,
      maxFramerate: 15,
    });
    // A level already below the cap's resolution keeps its own (low is 240p at 250 kbps).
    const low = encodingFor('low');
    expect(cappedEncoding(low, 200_000)).toEqual({ ...low, maxBitrate: 200_000 });
    // A shared tab keeps its pixels (text must stay legible); only the bitrate is capped.
    const tab = encodingFor('high', { sharing: true });
    expect(cappedEncoding(tab, 460_000, { sharing: true })).toEqual({ ...tab, maxBitrate: 460_000 });
  });

  it('a larger room limits the camera per link: 240p at 15 fps from 3 links, 180p from 5; never up, a tab untouched', () => {
    expect(roomCameraLimit(1)).toBeUndefined();
    expect(roomCameraLimit(2)).toBeUndefined();
    expect(roomCameraLimit(3)).toEqual({ maxHeight: 240, maxFramerate: 15 });
    expect(roomCameraLimit(4)).toEqual({ maxHeight: 240, maxFramerate: 15 });
    expect(roomCameraLimit(5)).toEqual({ maxHeight: 180, maxFramerate: 15 });
    const high = encodingFor('high');
    expect(limitedEncoding(high, undefined)).toBe(high);
    expect(limitedEncoding(high, roomCameraLimit(3))).toEqual({
      ...high,
      scaleResolutionDownBy: 3,
      maxFramerate: 15,
    });
    expect(limitedEncoding(high, roomCameraLimit(5))).toEqual({
      ...high,
      scaleResolutionDownBy: 4,
      maxFramerate: 15,
    });
    // A 480p camera: 240p is half of it.
    expect(
      limitedEncoding(encodingFor('high', { sourceHeight: 480 }), roomCameraLimit(3), { sourceHeight: 480 }),
    ).toMatchObject({ scaleResolutionDownBy: 2, maxFramerate: 15 });
    // Already smaller or slower: left as it is.
    const low = encodingFor('low', { sourceHeight: 180 });
    expect(limitedEncoding(low, roomCameraLimit(3), { sourceHeight: 180 })).toBe(low);
    expect(limitedEncoding({ ...high, maxFramerate: 8 }, roomCameraLimit(3))).toMatchObject({
      maxFramerate: 8,
    });
    // A shared tab keeps its resolution and rate.
    const tab = encodingFor('high', { sharing: true });
    expect(limitedEncoding(tab, roomCameraLimit(5), { sharing: true })).toBe(tab);
  });
});
