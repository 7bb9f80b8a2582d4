/**
 * The exact value of a decimal whose mantissa is a little past 2^53 (the 16-17 significant digits rate() gives),
 * without parsing its text: see longQuotientInto.
 */

/** 10^0 ... 10^22: every one exact as a double. */
export const POWERS_OF_TEN: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Digits past 2^53 that longQuotientInto takes: 10^6 is below 2^20, so hi × 10^j stays below 2^73. */
export const MAX_EXTRA_DIGITS = 6;
/** 2^27 + 1: Veltkamp's splitter, cutting a double into two halves of at most 26 significant bits. */
const SPLITTER = 134_217_729;
/** Relative width of the bracket around the computed correction: far wider than its rounding error (< 2^-51). */
const BRACKET = 2 ** -48;

/** a × b − p exactly, where p = fl(a × b) (Dekker's product; exact barring overflow and underflow). */
function productError(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** Where longQuotientInto writes its quotient (JsonBytes passes itself). */
export interface NumberSlot {
  lastNumber: number;
}

/**
 * (hi × 10^j + lo) / 10^k correctly rounded, for hi < 2^53, lo < 10^j, 1 ≤ j ≤ 6, k ≤ 22, hi ≥ 2^49, into
 * `slot.lastNumber`; false (the slot untouched) when the quotient is too close to a rounding boundary to tell (then
 * the text is parsed instead). Written into a slot, not returned: a double returned from a function V8 does not
 * inline is a heap object, and the engine reads some 300,000 of these a cycle.
 *
 * The mantissa M = hi × 10^j + lo is made exact as S + T (S = fl(M); all parts are integers below 2^73, so the
 * error terms add exactly). q = fl(S / D) with D = 10^k (exact), and r = S − q × D is exact (the remainder of a
 * correctly rounded division is representable; Dekker's product and Sterbenz's lemma compute it without error).
 * So M / D = q + (r + T) / D exactly, and the correction d = fl(fl(r + T) / D) is within 2^-51 of it. Rounding
 * q + x is monotonic in x, so when q + d(1 − ε) and q + d(1 + ε) round to the same double, that double is the
 * correctly rounded quotient.
 */
export function longQuotientInto(hi: number, lo: number, j: number, k: number, slot: NumberSlot): boolean {
  const c = POWERS_OF_TEN[j] as number;
  const p = hi * c;
  const e = productError(hi, c, p);
  // TwoSum(p, lo), then the two integer error terms, then renormalised: M = S + T exactly.
  const s1 = p + lo;
  const bv = s1 - p;
  const t1 = p - (s1 - bv) + (lo - bv) + e;
  const S = s1 + t1;
  const T = t1 - (S - s1);
  if (k === 0) {
    slot.lastNumber = S;
    return true;
  }
  const D = POWERS_OF_TEN[k] as number;
  const q = S / D;
  const ph = q * D;
  const r = S - ph - productError(q, D, ph);
  const d = (r + T) / D;
  const low = q + d * (1 - BRACKET);
  if (low !== q + d * (1 + BRACKET)) return false;
  slot.lastNumber = low;
  return true;
}
