import { watchAudioLevel } from '../web/audio-level.js';

/** Above this level (RMS) someone is speaking; it holds a moment so that the highlight does not flicker. */
const SPEAKING_LEVEL = 0.02;
const HOLD_MS = 600;

/** Calls back when a stream starts or stops speaking; returns the stop. */
export function watchSpeaking(stream: MediaStream, onChange: (speaking: boolean) => void): () => void {
  let lastLoud = -Infinity;
  let speaking = false;
  return watchAudioLevel(stream, (level) => {
    const now = performance.now();
    if (level >= SPEAKING_LEVEL) lastLoud = now;
    const next = now - lastLoud < HOLD_MS;
    if (next !== speaking) onChange((speaking = next));
  });
}
