import type { MonotonicClock } from '../../src/time/clock.js';

/**
 * A clock tests move by hand; timers fire in time order when advance() passes them. Timers run on the monotonic
 * axis (as setTimeout does), and jumpWall() moves only the wall clock, like an NTP step.
 */
export class FakeClock implements MonotonicClock {
  private monotonic: number;
  private wallOffset = 0;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void }[] = [];

  constructor(start = 1_700_000_000_000) {
    this.monotonic = start;
  }

  now(): number {
    return this.monotonic + this.wallOffset;
  }

  monotonicNow(): number {
    return this.monotonic;
  }

  schedule(fn: () => void, ms: number): () => void {
    const timer = { at: this.monotonic + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  advance(ms: number): void {
    const until = this.monotonic + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > until) break;
      this.timers.shift();
      this.monotonic = next.at;
      next.fn();
    }
    this.monotonic = until;
  }

  /** Jumps to an absolute time without firing timers (for code that only reads the time). */
  set(ms: number): void {
    this.monotonic = ms - this.wallOffset;
  }

  /** Steps the wall clock by deltaMs (either way) while monotonic time and timers stay where they are. */
  jumpWall(deltaMs: number): void {
    this.wallOffset += deltaMs;
  }

  pending(): number {
    return this.timers.length;
  }
}
