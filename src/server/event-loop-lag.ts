/**
 * Event-loop lag that costs nothing while the engine idles.
 *
 * prom-client's default lag figures come from `monitorEventLoopDelay` at a 10 ms resolution: a timer that wakes
 * the process 100 times a second, forever. On a 2-core VM each wake-up costs some 30–50 µs, 0.1–0.15 s of CPU
 * every 30 s: as much as a quarter of what the engine spends judging 10,000 pods (docs/scaling.md).
 *
 * This monitor samples finely only while there is something to measure. Every sample is how late the monitor's
 * own timer fired, past the moment it was due (prom-client's figures counted its 10 ms period in as well):
 * - **Attended** (work in progress: an evaluation pass or an informer list calls `attend()`, and for `lingerMs`
 *   after it ends): the timer runs every `fineMs`.
 * - **Otherwise** it runs every `coarseMs`, and the loop's work in between is bounded from above: no callback in a
 *   window can have waited longer than the loop was busy in it (`performance.eventLoopUtilization`). That bound
 *   enters the maximum (never the percentiles, which stay measured delays), so a stall in a window nobody
 *   attended shows in `max`, possibly too high, not missed. A window busy for `busyMs` or more also starts
 *   `lingerMs` of fine sampling. The bound covers the loop's own work: time the process is not scheduled at all
 *   (CPU throttling, steal) counts as idle, and shows only when it delays a sample.
 *
 * Idle, that is one wake-up a second instead of a hundred.
 */
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';

export interface EventLoopLagOptions {
  /** Sampling period while attended, ms (prom-client's default precision). */
  fineMs?: number;
  /** Sampling period otherwise, ms. */
  coarseMs?: number;
  /** Fine sampling goes on this long after the last attended work ends, or after a busy window, ms. */
  lingerMs?: number;
  /** A window unattended and active this long (ms) is work nobody announced: sample it finely from then on. */
  busyMs?: number;
}

/**
 * The delays since the previous snapshot, in seconds: `max` also takes in the busy-time bounds of the windows
 * sampled coarsely; the other figures are of measured delays only. NaN for every figure when nothing was recorded.
 */
export interface LagSnapshot {
  count: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p99: number;
}

type Utilization = ReturnType<typeof performance.eventLoopUtilization>;

const NS_PER_MS = 1e6;

export class EventLoopLagMonitor {
  private readonly fineMs: number;
  private readonly coarseMs: number;
  private readonly lingerMs: number;
  private readonly busyMs: number;
  private readonly samples: RecordableHistogram = createHistogram();
  private timer: NodeJS.Timeout | undefined;
  /** When the pending timer is due (performance.now()), and whether it is a fine one. */
  private dueAt = 0;
  private fine = false;
  private attending = 0;
  private lingerUntil = 0;
  /** The loop's utilization when the open window began; undefined while no window is open. */
  private windowStart: Utilization | undefined;
  /** The largest busy-time bound of a window since the previous snapshot, ms (-1: none). */
  private boundMs = -1;

  constructor(options: EventLoopLagOptions = {}) {
    this.fineMs = options.fineMs ?? 10;
    this.coarseMs = options.coarseMs ?? 1000;
    this.lingerMs = options.lingerMs ?? 5000;
    this.busyMs = options.busyMs ?? 2 * this.fineMs;
    if (!(this.fineMs >= 1 && this.coarseMs >= this.fineMs && this.lingerMs >= 0 && this.busyMs > 0))
      throw new RangeError('event-loop lag monitor: want 1 <= fineMs <= coarseMs, lingerMs >= 0, busyMs > 0');
  }

  start(): void {
    if (this.timer) return;
    this.windowStart = undefined;
    this.arm(performance.now());
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.fine = false;
  }

  /** Samples recorded since the previous snapshot. */
  get pending(): number {
    return this.samples.count;
  }

  /** True while samples are taken every fineMs. */
  get attentive(): boolean {
    return this.fine;
  }

  /**
   * Work is starting that may hold the loop: sample finely until the returned release is called (once; later
   * calls do nothing), and for lingerMs after.
   */
  attend(): () => void {
    this.attending++;
    if (this.timer && !this.fine) {
      // Switch at once: the work is about to begin. The open window stays open until the first fine sample closes
      // it: work done just before attend() and just after it may be one stretch of the loop.
      clearTimeout(this.timer);
      this.arm(performance.now());
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.attending--;
      this.lingerUntil = Math.max(this.lingerUntil, performance.now() + this.lingerMs);
    };
  }

  /** The delays recorded since the previous snapshot; starts a new period. */
  snapshot(): LagSnapshot {
    const h = this.samples;
    const s = (ns: number) => (h.count > 0 ? ns / 1e9 : Number.NaN);
    const snap: LagSnapshot = {
      count: h.count,
      min: s(h.min),
      max: h.count > 0 ? Math.max(h.max / 1e9, this.boundMs / 1e3) : Number.NaN,
      mean: s(h.mean),
      stddev: s(h.stddev),
      p50: s(h.percentile(50)),
      p90: s(h.percentile(90)),
      p99: s(h.percentile(99)),
    };
    h.reset();
    this.boundMs = -1;
    return snap;
  }

  private tick(): void {
    const now = performance.now();
    this.record(Math.max(0, now - this.dueAt));
    this.closeWindow();
    this.arm(now);
  }

  /** Closes the open window, if any: its busy time bounds every delay in it. */
  private closeWindow(): void {
    const start = this.windowStart;
    if (!start) return;
    this.windowStart = undefined;
    const activeMs = performance.eventLoopUtilization(performance.eventLoopUtilization(), start).active;
    this.boundMs = Math.max(this.boundMs, activeMs);
    if (activeMs >= this.busyMs)
      this.lingerUntil = Math.max(this.lingerUntil, performance.now() + this.lingerMs);
  }

  private arm(now: number): void {
    this.fine = this.attending > 0 || now < this.lingerUntil;
    // A coarse period opens a window at its start; a fine period closes the open one at its first sample.
    if (!this.fine && !this.windowStart) this.windowStart = performance.eventLoopUtilization();
    const period = this.fine ? this.fineMs : this.coarseMs;
    this.dueAt = now + period;
    this.timer = setTimeout(() => this.tick(), period);
    // Never what keeps the process alive.
    this.timer.unref();
  }

  private record(ms: number): void {
    // A histogram records positive integers: 1 ns stands for "no delay".
    this.samples.record(Math.max(1, Math.round(ms * NS_PER_MS)));
  }
}
