import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../src/metrics/json-bytes.js';
import { seededRandom } from '../src/random/seeded-random.js';

// Short ASCII strings are remembered by their bytes (a direct-mapped table of 4,096 slots) and handed out again
// instead of being decoded anew. Whatever the table holds, every string must read exactly as JSON.parse reads it.

function randomText(next: () => number, length: number, alphabet: string): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
  return text;
}

describe('JsonBytes strings', () => {
  it('reads 20,000 strings exactly as JSON.parse does, repeated, colliding, long, non-ASCII and escaped alike', () => {
    const next = seededRandom(7);
    const texts: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const kind = i % 5;
      if (kind === 0) texts.push(['metric', 'values', 'namespace', 'pod', 'instance'][(i / 5) % 5] ?? '');
      else if (kind === 1) texts.push(randomText(next, 1 + Math.floor(next() * 64), 'abcdefghij-0123456789'));
      else if (kind === 2) texts.push(randomText(next, 65 + Math.floor(next() * 40), 'xyz-'));
      else if (kind === 3) texts.push(randomText(next, 1 + Math.floor(next() * 10), 'aé€😀"\\\n'));
      else texts.push(texts[Math.floor(next() * texts.length)] ?? '');
    }
    const body = Buffer.from(JSON.stringify(texts));
    const r = new JsonBytes(body);
    const read: string[] = [];
    r.array(() => read.push(r.string()));
    expect(read).toEqual(JSON.parse(body.toString('utf8')));
    // The same answer read again, now that the table is full of its strings.
    const again = new JsonBytes(body);
    const second: string[] = [];
    again.array(() => second.push(again.string()));
    expect(second).toEqual(texts);
  });
});
