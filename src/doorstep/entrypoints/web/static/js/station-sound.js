// Short tones made with the Web Audio API (no audio files): one high beep for right, a low
// double buzz for wrong, two mid beeps for "look at this". A scanner user hears the verdict
// without looking; the screen says the rest.

let context = null;

// Browsers start audio only after a gesture; a scan's keystrokes are one, so the first
// keydown or tap makes the context and every later tone can play.
export function unlockSound() {
  if (context || !(window.AudioContext || window.webkitAudioContext)) return;
  try {
    context = new (window.AudioContext || window.webkitAudioContext)();
  } catch {
    context = null;
  }
}

const TONES = {
  ok: [[1046, 0, 0.12, "sine"]],
  warn: [[660, 0, 0.1, "triangle"], [660, 0.16, 0.1, "triangle"]],
  bad: [[196, 0, 0.22, "square"], [165, 0.28, 0.3, "square"]],
};

export function beep(kind) {
  if (!context) return;
  if (context.state === "suspended") context.resume().catch(() => {});
  const start = context.currentTime + 0.01;
  for (const [frequency, at, length, wave] of TONES[kind] || TONES.warn) {
    const osc = context.createOscillator();
    const gain = context.createGain();
    osc.type = wave;
    osc.frequency.value = frequency;
    // A quick ramp in and out: no click at the edges of the tone.
    gain.gain.setValueAtTime(0.0001, start + at);
    gain.gain.exponentialRampToValueAtTime(0.25, start + at + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + at + length);
    osc.connect(gain).connect(context.destination);
    osc.start(start + at);
    osc.stop(start + at + length + 0.02);
  }
}
