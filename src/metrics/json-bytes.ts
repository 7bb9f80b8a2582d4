/**
 * A pull reader over the bytes of one JSON document, for answers too large to turn into an object graph first:
 * the caller walks the structure it expects and reads numbers straight from the bytes, so a Prometheus matrix
 * of 60,000 samples costs a few arrays, not the 700,000 objects JSON.parse makes of it. Everything else (an
 * unexpected key, a small envelope field) is skipped or handed to JSON.parse in one piece.
 *
 * Numbers come out exactly as `Number()` of the same text would give them: a decimal with a mantissa below 2^53
 * and at most 22 fraction digits is one correctly rounded IEEE division (Clinger's fast path); one with up to six
 * more digits (the 16-17 significant digits rate() gives) is divided exactly in double-double arithmetic and
 * rounded once (longQuotientInto); anything else (exponents, longer mantissas, a quotient too close to a rounding
 * boundary to decide) is parsed from its text.
 */

import { longQuotientInto, MAX_EXTRA_DIGITS, POWERS_OF_TEN } from './long-decimal.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The largest mantissa accumulated exactly: past it, one more digit could exceed 2^53. */
const EXACT_MANTISSA = (2 ** 53 - 1 - 9) / 10;
export class JsonSyntaxError extends Error {}

/** Strings remembered by interned(): a direct-mapped table, so a miss costs one slot and nothing grows. */
const INTERN_SLOTS = 4_096;
const INTERN_MAX_LENGTH = 64;
const internTable: (string | undefined)[] = new Array(INTERN_SLOTS);

/**
 * The text of bytes [start, end): the string remembered for the same bytes when there is one, else decoded and
 * remembered. Only short ASCII text is remembered (a byte is then its char code, so it is compared without
 * decoding); anything else is decoded every time.
 */
function interned(b: Uint8Array, start: number, end: number, buffer: Buffer): string {
  const length = end - start;
  if (length > INTERN_MAX_LENGTH) return buffer.toString('utf8', start, end);
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c >= 0x80) return buffer.toString('utf8', start, end);
    hash = Math.imul(hash ^ c, 0x01000193);
  }
  const slot = (hash >>> 0) % INTERN_SLOTS;
  const known = internTable[slot];
  if (known !== undefined && known.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (known.charCodeAt(i) !== b[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return known;
  }
  const text = buffer.toString('latin1', start, end);
  internTable[slot] = text;
  return text;
}

const isDigit = (b: Uint8Array, i: number) =>
  i < b.length && (b[i] as number) >= ZERO && (b[i] as number) <= NINE;

export class JsonBytes {
  pos = 0;
  /**
   * The number the last readNumber() or readNumericString() read. A field written in place, not a returned
   * double: a function that V8 does not inline returns a double as a heap object, and a cycle reads 600,000 of
   * them (some 3 MB of garbage a cycle at 10,000 pods).
   */
  lastNumber = Number.NaN;
  /** The same bytes as a Buffer, for decoding text without a view per string. */
  private readonly buffer: Buffer;

  constructor(readonly bytes: Uint8Array) {
    this.buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The next significant byte (whitespace skipped), without consuming it; -1 at the end. */
  peek(): number {
    const b = this.bytes;
    let p = this.pos;
    while (p < b.length) {
      const c = b[p] as number;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
    return p < b.length ? (b[p] as number) : -1;
  }

  /** Consumes `byte` (after whitespace) or fails. */
  expect(byte: number): void {
    if (this.peek() !== byte) throw this.error(`expected "${String.fromCharCode(byte)}"`);
    this.pos++;
  }

  /** Consumes `byte` if it is next; says whether it was. */
  accept(byte: number): boolean {
    if (this.peek() !== byte) return false;
    this.pos++;
    return true;
  }

  /** After an element of an array or object: true when another follows (a comma was consumed). */
  more(close: number): boolean {
    if (this.accept(COMMA)) return true;
    this.expect(close);
    return false;
  }

  /** Calls `each(key)` for every key of the object that starts here; `each` must consume the key's value. */
  object(each: (key: string) => void): void {
    this.expect(OPEN_BRACE);
    if (this.accept(CLOSE_BRACE)) return;
    do {
      const key = this.string();
      this.expect(COLON);
      each(key);
    } while (this.more(CLOSE_BRACE));
  }

  /** Calls `each(index)` for every element of the array that starts here; `each` must consume the element. */
  array(each: (index: number) => void): void {
    this.expect(OPEN_BRACKET);
    if (this.accept(CLOSE_BRACKET)) return;
    let i = 0;
    do each(i++);
    while (this.more(CLOSE_BRACKET));
  }

  isString(): boolean {
    return this.peek() === QUOTE;
  }

  isNumber(): boolean {
    const c = this.peek();
    return c === MINUS || (c >= ZERO && c <= NINE);
  }

  /**
   * A string value, decoded (escapes included). A short ASCII string that was read before (a key such as "metric" or
   * "values", a label name, a namespace) is the same string object again, not a new one: an answer of 10,000 series
   * repeats its keys 10,000 times.
   */
  string(): string {
    return this.stringValue(true);
  }

  private stringValue(intern: boolean): string {
    this.expect(QUOTE);
    const b = this.bytes;
    const start = this.pos;
    let p = start;
    let escaped = false;
    while (p < b.length && b[p] !== QUOTE) {
      if ((b[p] as number) < 0x20) throw this.error('a control character in a string');
      if (b[p] === BACKSLASH) {
        escaped = true;
        p++;
      }
      p++;
    }
    if (p >= b.length) throw this.error('unterminated string');
    this.pos = p + 1;
    if (!escaped) return intern ? interned(b, start, p, this.buffer) : this.text(start, p);
    try {
      return JSON.parse(this.text(start - 1, p + 1)) as string;
    } catch {
      throw this.error('a malformed escape in a string');
    }
  }

  /**
   * A string whose content is a number as Prometheus writes sample values ("0.25", "1e-05", "NaN", "+Inf"), into
   * lastNumber: plain decimals are read from the bytes; anything else is given to `fallback` as text.
   */
  readNumericString(fallback: (text: string) => number): void {
    this.expect(QUOTE);
    const start = this.pos;
    if (this.decimal(QUOTE)) {
      this.pos++;
      return;
    }
    this.pos = start - 1;
    // Not interned: sample values rarely repeat.
    this.lastNumber = fallback(this.stringValue(false));
  }

  /**
   * A JSON number (its grammar, not what Number() would also take: no 0x, no leading zeros, no Infinity), into
   * lastNumber.
   */
  readNumber(): void {
    if (!this.isNumber()) throw this.error('expected a number');
    const start = this.pos;
    const end = this.numberEnd(start);
    if (end < 0) throw this.error('malformed number');
    if (this.decimal(-1) && this.pos === end) return;
    this.pos = end;
    this.lastNumber = Number(this.text(start, end));
  }

  /** Where the JSON number starting at `p` ends (a delimiter must follow), or -1 when it is not one. */
  private numberEnd(from: number): number {
    const b = this.bytes;
    let p = from;
    if (b[p] === MINUS) p++;
    if (b[p] === ZERO) p++;
    else if (isDigit(b, p)) while (isDigit(b, p)) p++;
    else return -1;
    if (b[p] === DOT) {
      p++;
      if (!isDigit(b, p)) return -1;
      while (isDigit(b, p)) p++;
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      p++;
      if (b[p] === 0x2b || b[p] === MINUS) p++;
      if (!isDigit(b, p)) return -1;
      while (isDigit(b, p)) p++;
    }
    const next = p < b.length ? (b[p] as number) : -1;
    const delimited =
      next === -1 || next === COMMA || next === CLOSE_BRACKET || next === CLOSE_BRACE || next <= 0x20;
    return delimited ? p : -1;
  }

  /** Any value, decoded by JSON.parse (for small parts: an envelope field, a warning list). */
  value(): unknown {
    this.peek();
    const start = this.pos;
    this.skip();
    try {
      return JSON.parse(this.text(start, this.pos));
    } catch {
      throw this.error('malformed value');
    }
  }

  /** Skips one value of any kind. */
  skip(): void {
    const c = this.peek();
    const b = this.bytes;
    if (c === QUOTE) {
      this.string();
      return;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      let depth = 0;
      let p = this.pos;
      while (p < b.length) {
        const x = b[p] as number;
        if (x === QUOTE) {
          this.pos = p;
          this.string();
          p = this.pos;
          continue;
        }
        if (x === OPEN_BRACE || x === OPEN_BRACKET) depth++;
        else if (x === CLOSE_BRACE || x === CLOSE_BRACKET) depth--;
        p++;
        if (depth === 0) {
          this.pos = p;
          return;
        }
      }
      throw this.error('unterminated value');
    }
    // A number or a literal: up to the next delimiter.
    let p = this.pos;
    while (p < b.length) {
      const x = b[p] as number;
      if (x === COMMA || x === CLOSE_BRACE || x === CLOSE_BRACKET || x <= 0x20) break;
      p++;
    }
    const token = this.text(this.pos, p);
    if (
      token === '' ||
      (token !== 'true' && token !== 'false' && token !== 'null' && Number.isNaN(Number(token)))
    ) {
      throw this.error(`unexpected "${token.slice(0, 20)}"`);
    }
    this.pos = p;
  }

  /** Fails unless only whitespace is left. */
  end(): void {
    if (this.peek() !== -1) throw this.error('unexpected content after the document');
  }

  error(what: string): JsonSyntaxError {
    return new JsonSyntaxError(`${what} at byte ${this.pos}`);
  }

  private text(start: number, end: number): string {
    return this.buffer.toString('utf8', start, end);
  }

  /**
   * `-?digits(.digits)?` ending right before `terminator` (or any delimiter when -1), read exactly into lastNumber;
   * false (position and lastNumber unchanged) when the text is not that or the fast path cannot be exact.
   */
  private decimal(terminator: number): boolean {
    const b = this.bytes;
    let p = this.pos;
    const negative = b[p] === MINUS;
    if (negative) p++;
    let mantissa = 0;
    // Digits past EXACT_MANTISSA: their value and count (the mantissa is then mantissa × 10^extraDigits + extra).
    let extra = 0;
    let extraDigits = 0;
    let digits = 0;
    let fraction = -1;
    for (; p < b.length; p++) {
      const c = b[p] as number;
      if (c >= ZERO && c <= NINE) {
        if (mantissa <= EXACT_MANTISSA) mantissa = mantissa * 10 + (c - ZERO);
        else if (extraDigits === MAX_EXTRA_DIGITS) return false;
        else {
          extra = extra * 10 + (c - ZERO);
          extraDigits++;
        }
        digits++;
        if (fraction >= 0) fraction++;
      } else if (c === DOT && fraction < 0) fraction = 0;
      else break;
    }
    const next = p < b.length ? (b[p] as number) : -1;
    const ends =
      terminator === -1
        ? next === -1 || next === COMMA || next === CLOSE_BRACKET || next === CLOSE_BRACE || next <= 0x20
        : next === terminator;
    if (!ends || digits === 0 || fraction === 0 || fraction > 22) return false;
    if (extraDigits === 0) {
      const magnitude = fraction > 0 ? mantissa / (POWERS_OF_TEN[fraction] as number) : mantissa;
      this.lastNumber = negative ? -magnitude : magnitude;
    } else {
      if (!longQuotientInto(mantissa, extra, extraDigits, fraction > 0 ? fraction : 0, this)) return false;
      if (negative) this.lastNumber = -this.lastNumber;
    }
    this.pos = p;
    return true;
  }
}
