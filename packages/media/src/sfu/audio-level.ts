/** RFC 6464 levels of a producer's recent packets, for `Producer.audioLevel()`. A ring: no allocation per packet. */
const SAMPLES = 32; // 640 ms of 20 ms Opus packets: more than the window
const WINDOW_MS = 300;

export class AudioLevelWindow {
  readonly #at = new Float64Array(SAMPLES).fill(-Infinity);
  /** The raw RFC 6464 §3 byte: V bit (0x80) and level in −dBov (0 loudest … 127 silence). */
  readonly #byte = new Uint8Array(SAMPLES);
  #next = 0;

  add(byte: number, now: number): void {
    this.#at[this.#next] = now;
    this.#byte[this.#next] = byte;
    this.#next = (this.#next + 1) % SAMPLES;
  }

  /** The mean level of the last ~300 ms and whether any of it was voice; undefined without samples. */
  read(now: number): { level: number; voice: boolean } | undefined {
    const since = now - WINDOW_MS;
    let sum = 0;
    let count = 0;
    let voice = false;
    for (let i = 0; i < SAMPLES; i++) {
      if ((this.#at[i] as number) < since) continue;
      const b = this.#byte[i] as number;
      sum += b & 0x7f;
      count++;
      if (b & 0x80) voice = true;
    }
    return count === 0 ? undefined : { level: Math.round(sum / count), voice };
  }
}
