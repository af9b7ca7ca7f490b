import { watchAudioLevel } from '../web/audio-level.js';

/** Above this level (RMS) someone is speaking; it holds a moment so that the highlight does not flicker. */
const SPEAKING_LEVEL = 0.02;
const HOLD_MS = 600;

/**
 * The highlight starts this long after a tile gets its stream. Web Audio's first AudioContext held a
 * joiner's page for up to 1 s, and each tile's source and analyser 0.1–0.3 s more (bench:mesh, 4 people,
 * JavaScript profile from the click): right when the new links' offers and answers had to go out.
 */
export const SPEAKING_START_MS = 2000;

/** Calls back when a stream starts or stops speaking; returns the stop. */
export function watchSpeaking(
  stream: MediaStream,
  onChange: (speaking: boolean) => void,
  startAfterMs = SPEAKING_START_MS,
): () => void {
  let lastLoud = -Infinity;
  let speaking = false;
  let stop: (() => void) | undefined;
  const start = setTimeout(() => {
    stop = watchAudioLevel(stream, (level) => {
      const now = performance.now();
      if (level >= SPEAKING_LEVEL) lastLoud = now;
      const next = now - lastLoud < HOLD_MS;
      if (next !== speaking) onChange((speaking = next));
    });
  }, startAfterMs);
  return () => {
    clearTimeout(start);
    stop?.();
  };
}
