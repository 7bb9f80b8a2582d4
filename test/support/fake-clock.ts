import type { Clock } from '../../src/time/clock.js';

/** A clock tests move by hand; timers fire in time order when advance() passes them. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void }[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  schedule(fn: () => void, ms: number): () => void {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  advance(ms: number): void {
    const until = this.current + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > until) break;
      this.timers.shift();
      this.current = next.at;
      next.fn();
    }
    this.current = until;
  }

  /** Jumps to an absolute time without firing timers (for code that only reads the time). */
  set(ms: number): void {
    this.current = ms;
  }

  pending(): number {
    return this.timers.length;
  }
}
