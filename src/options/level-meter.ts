/**
 * The microphone's level for the options page's meter: the peak of the last ~50 ms, 0–1, about 20 times a
 * second. Returns the function that stops it and releases the audio graph.
 */
export function startLevelMeter(stream: MediaStream, onLevel: (level: number) => void): () => void {
  if (stream.getAudioTracks().length === 0) return () => undefined;
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let peak = 0;
    for (const value of samples) peak = Math.max(peak, Math.abs(value));
    onLevel(Math.min(1, peak));
  }, 50);
  void context.resume();
  return () => {
    clearInterval(timer);
    void context.close();
  };
}
