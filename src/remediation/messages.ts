import { formatDuration } from '../policy/duration.js';

/** Skip and action messages are stored in Remediation records and Events, which bound them to 1 KiB. */
export const MAX_MESSAGE_BYTES = 1024;

const encoder = new TextEncoder();

/**
 * The message cut to at most MAX_MESSAGE_BYTES of UTF-8 (hence also ≤ 1024 characters), on a code point
 * boundary, ending in "…" when cut. User text (pausedReason) and long names can otherwise exceed the bound.
 */
export function boundMessage(message: string): string {
  if (encoder.encode(message).length <= MAX_MESSAGE_BYTES) return message;
  const ellipsis = '…';
  const budget = MAX_MESSAGE_BYTES - encoder.encode(ellipsis).length;
  let bytes = 0;
  let out = '';
  for (const codePoint of message) {
    const size = encoder.encode(codePoint).length;
    if (bytes + size > budget) break;
    bytes += size;
    out += codePoint;
  }
  return out + ellipsis;
}

/** Whole seconds are precise enough for people: "3m12s" rather than "3m12s345ms". */
export function formatSeconds(ms: number): string {
  return formatDuration(Math.max(0, Math.floor(ms / 1000) * 1000));
}
