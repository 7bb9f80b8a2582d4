import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../src/metrics/json-bytes.js';
import { seededRandom } from '../src/random/seeded-random.js';

// JsonBytes reads decimals from the bytes. Up to 15-16 significant digits that is one IEEE division; with up to six
// more (rate() gives 16-17) it is an exact double-double division rounded once, which falls back to Number() only
// when the quotient is too close to a rounding boundary to decide. Either way every value must be exactly what
// Number() makes of the same text: the same double, sign of zero included.

/** Reads the texts as one JSON array of strings; says how many were handed to the text fallback. */
function readAll(texts: readonly string[]): { values: number[]; parsedAsText: number } {
  const r = new JsonBytes(Buffer.from(JSON.stringify(texts)));
  const values: number[] = [];
  let parsedAsText = 0;
  const fallback = (text: string) => {
    parsedAsText++;
    return Number(text);
  };
  r.array(() => {
    r.readNumericString(fallback);
    values.push(r.lastNumber);
  });
  return { values, parsedAsText };
}

/** Fails naming every text read differently from Number(); returns the share parsed as text. */
function expectSameAsNumber(texts: readonly string[]): number {
  const { values, parsedAsText } = readAll(texts);
  const wrong = texts.flatMap((t, i) =>
    Object.is(values[i], Number(t)) ? [] : [`${t} read as ${values[i]}, Number() gives ${Number(t)}`],
  );
  expect(wrong).toEqual([]);
  return parsedAsText / texts.length;
}

/** A decimal text of `digits` significant digits with `fraction` of them after the point (and a leading "0."). */
function decimalText(next: () => number, digits: number, fraction: number): string {
  let mantissa = String(1 + Math.floor(next() * 9));
  for (let i = 1; i < digits; i++) mantissa += String(Math.floor(next() * 10));
  if (fraction === 0) return mantissa;
  if (fraction >= digits) return `0.${'0'.repeat(fraction - digits)}${mantissa}`;
  return `${mantissa.slice(0, digits - fraction)}.${mantissa.slice(digits - fraction)}`;
}

/** The exact decimal expansion of the midpoint between the positive double x and the next one up. */
function midpointText(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn) - 1075;
  const significand = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  // x = significand × 2^exponent; the midpoint is (2 × significand + 1) × 2^(exponent - 1).
  const odd = 2n * significand + 1n;
  const shift = exponent - 1;
  if (shift >= 0) return String(odd << BigInt(shift));
  // odd / 2^-shift = odd × 5^-shift / 10^-shift
  const scaled = String(odd * 5n ** BigInt(-shift)).padStart(-shift + 1, '0');
  return `${scaled.slice(0, scaled.length + shift)}.${scaled.slice(scaled.length + shift)}`;
}

/** The text cut to `digits` significant digits, then moved by `delta` units in its last place. */
function cutAndNudge(text: string, digits: number, delta: bigint): string {
  const [whole = '', frac = ''] = text.split('.');
  const all = whole + frac;
  const lead = all.length - all.replace(/^0+/, '').length;
  const keep = Math.max(lead + digits, whole.length);
  const kept = BigInt(all.slice(0, keep) || '0') + delta;
  const fractionDigits = keep - whole.length;
  const s = String(kept).padStart(fractionDigits + 1, '0');
  return fractionDigits === 0
    ? s
    : `${s.slice(0, s.length - fractionDigits)}.${s.slice(s.length - fractionDigits)}`;
}

describe('JsonBytes numbers', () => {
  it('reads 200,000 random decimals of 15 to 23 significant digits exactly as Number() does', () => {
    const next = seededRandom(11);
    const texts: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const digits = 15 + Math.floor(next() * 9);
      const fraction = Math.floor(next() * 24);
      const text = decimalText(next, digits, fraction);
      texts.push(next() < 0.2 ? `-${text}` : text);
    }
    // Past 22 significant digits (and 22 fraction digits) the text is parsed: a ninth and a bit of them.
    expect(expectSameAsNumber(texts)).toBeLessThan(0.2);
  });

  it('reads what rate() gives (doubles printed in 17 digits or fewer) exactly as Number() does', () => {
    const next = seededRandom(12);
    const texts: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      // Rates of CPU seconds, bytes, requests: 1e-4 to 1e8, so 17 digits need at most 21 after the point.
      const x = (0.1 + 0.9 * next()) * 10 ** Math.floor(next() * 13 - 3);
      texts.push(String(x), x.toPrecision(17), x.toPrecision(16));
    }
    // All of them within reach of the bytes: the text fallback is for exponents, not for 17 digits.
    expect(expectSameAsNumber(texts)).toBe(0);
  });

  it('reads decimals a hair either side of the midpoint between two doubles exactly as Number() does', () => {
    // Where rounding is decided by the last bits: the double-double quotient must be exact or give way to Number().
    const next = seededRandom(13);
    const texts: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const x = next() * 10 ** Math.floor(next() * 10 - 4);
      const mid = midpointText(x);
      for (const digits of [16, 17, 18, 19, 20, 21, 22]) {
        for (const delta of [-1n, 0n, 1n]) texts.push(cutAndNudge(mid, digits, delta));
      }
    }
    // Exact midpoints with few enough digits to be read from the bytes: ties, rounded to even.
    for (const x of [2 ** 53, 2 ** 54, 3 * 2 ** 52, 1e16, 123456789012345680]) {
      texts.push(midpointText(x), cutAndNudge(midpointText(x), 22, 0n));
    }
    expect(texts.length).toBeGreaterThan(100_000);
    // Some are too close to call from the bytes, by design; most are not.
    expect(expectSameAsNumber(texts)).toBeLessThan(0.5);
  });

  it('keeps the sign of zero and reads integers past 2^53 as Number() does', () => {
    expectSameAsNumber([
      '-0',
      '-0.000000000000000000000',
      '0.0000000000000000000000',
      '9007199254740993',
      '9007199254740995',
      '18014398509481985',
      '999999999999999999999',
      '4503599627370497.5',
      '-4503599627370496.5',
    ]);
  });
});
