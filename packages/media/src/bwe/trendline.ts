/**
 * The arrival-time filter (draft-ietf-rmcat-gcc-02 §5.3) in its trendline form: instead of the draft's Kalman
 * filter, accumulate the inter-group delay variations into a one-way queuing-delay curve, smooth it, and take the
 * least-squares slope over the last `windowSize` points. A positive slope means the bottleneck queue is growing.
 */

export interface TrendlineOptions {
  /** Points in the regression window. */
  windowSize?: number;
  /** Exponential smoothing of the accumulated delay (weight of the old value). */
  smoothing?: number;
  /** Scales the slope into the detector's units (ms-like, compared against a 6–600 threshold). */
  gain?: number;
}

const DEFAULT_WINDOW = 20;
const DEFAULT_SMOOTHING = 0.9;
const DEFAULT_GAIN = 4;
/** The slope is weighted by the number of samples seen, up to this many, so that a young estimate counts less. */
const MAX_SAMPLE_WEIGHT = 60;

interface Point {
  x: number;
  y: number;
}

export class TrendlineFilter {
  readonly #windowSize: number;
  readonly #smoothing: number;
  readonly #gain: number;
  readonly #points: Point[] = [];
  #firstArrivalMs: number | undefined;
  #accumulatedMs = 0;
  #smoothedMs = 0;
  #samples = 0;
  #slope = 0;

  constructor(options: TrendlineOptions = {}) {
    this.#windowSize = Math.max(2, options.windowSize ?? DEFAULT_WINDOW);
    this.#smoothing = options.smoothing ?? DEFAULT_SMOOTHING;
    this.#gain = options.gain ?? DEFAULT_GAIN;
  }

  /** Samples seen since the last reset. */
  get samples(): number {
    return this.#samples;
  }

  /** The raw slope (ms of queuing delay per ms). */
  get slope(): number {
    return this.#slope;
  }

  /** The detector input m(i): slope × min(samples, 60) × gain. */
  get modifiedTrend(): number {
    return this.#slope * Math.min(this.#samples, MAX_SAMPLE_WEIGHT) * this.#gain;
  }

  /** Adds one inter-group delay variation d(i) observed at `arrivalMs`; returns the new modified trend. */
  update(delayVariationMs: number, arrivalMs: number): number {
    this.#firstArrivalMs ??= arrivalMs;
    this.#samples++;
    this.#accumulatedMs += delayVariationMs;
    this.#smoothedMs = this.#smoothing * this.#smoothedMs + (1 - this.#smoothing) * this.#accumulatedMs;
    this.#points.push({ x: arrivalMs - this.#firstArrivalMs, y: this.#smoothedMs });
    if (this.#points.length > this.#windowSize) this.#points.shift();
    if (this.#points.length === this.#windowSize) this.#slope = leastSquaresSlope(this.#points) ?? this.#slope;
    return this.modifiedTrend;
  }

  reset(): void {
    this.#points.length = 0;
    this.#firstArrivalMs = undefined;
    this.#accumulatedMs = 0;
    this.#smoothedMs = 0;
    this.#samples = 0;
    this.#slope = 0;
  }
}

/** Ordinary least squares slope of y over x; undefined when all x are equal. */
export function leastSquaresSlope(points: readonly Point[]): number | undefined {
  if (points.length < 2) return undefined;
  let sumX = 0;
  let sumY = 0;
  for (const p of points) {
    sumX += p.x;
    sumY += p.y;
  }
  const meanX = sumX / points.length;
  const meanY = sumY / points.length;
  let numerator = 0;
  let denominator = 0;
  for (const p of points) {
    numerator += (p.x - meanX) * (p.y - meanY);
    denominator += (p.x - meanX) ** 2;
  }
  return denominator === 0 ? undefined : numerator / denominator;
}
