/**
 * How loud a stream is, read with Web Audio a few times a second: the speaking highlight's input. One
 * AudioContext serves every tile of the page.
 */
let context: AudioContext | undefined;

/** Calls back with the stream's level (RMS of the waveform, 0–1) every `intervalMs`; returns the stop. */
export function watchAudioLevel(
  stream: MediaStream,
  onLevel: (level: number) => void,
  intervalMs = 150,
): () => void {
  if (stream.getAudioTracks().length === 0 || typeof AudioContext === 'undefined') return () => undefined;
  context ??= new AudioContext();
  // A context made before any user gesture starts suspended; a click later lets it run.
  if (context.state === 'suspended') void context.resume().catch(() => undefined);
  const source = context.createMediaStreamSource(stream);
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    onLevel(Math.sqrt(sum / samples.length));
  }, intervalMs);
  return () => {
    clearInterval(timer);
    source.disconnect();
  };
}
