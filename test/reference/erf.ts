/**
 * erf in float64 to ~1e-15 absolute, because JavaScript has no Math.erf and the reference
 * forward pass needs exact (erf-based) GELU.
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);

/** Beyond this the continued fraction converges fast; below it the series is cheap. */
const SERIES_LIMIT = 3;
/** Continued-fraction depth: ample for x >= 3 (terms shrink like k / x^2). */
const CF_TERMS = 80;

/**
 * erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)).
 * All terms are positive, so unlike the alternating Taylor series there is no cancellation.
 */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), x > 0. */
function erfcContinuedFraction(x: number): number {
  let f = x;
  for (let k = CF_TERMS; k >= 1; k--) f = x + k / 2 / f;
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  const value = a < SERIES_LIMIT ? erfSeries(a) : 1 - erfcContinuedFraction(a);
  return x < 0 ? -value : value;
}

export function erfc(x: number): number {
  if (x >= SERIES_LIMIT) return erfcContinuedFraction(x);
  return 1 - erf(x);
}
