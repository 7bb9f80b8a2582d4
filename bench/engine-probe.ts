/**
 * What `npm run bench:engine` reads of the engine process between two cycles: CPU time and peak RSS from /proc
 * (the kernel's own accounting of the whole process), and the engine's /metrics, scraped once per cycle.
 *
 * Peak RSS per cycle: VmHWM is reset by writing 5 to /proc/<pid>/clear_refs (Linux >= 4.0, our own child), so
 * each reading is the peak since the previous one. Event-loop lag: the engine's nodejs_eventloop_lag_{p99,max}_seconds
 * (src/server/event-loop-lag.ts, every 10 ms while a pass works) are reset at every scrape, so with the bench as the
 * only scraper they cover exactly the time since the previous cycle.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseExposition, type ScrapedSample } from '../src/metrics/exposition-parser.js';

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

function statCpuMs(path: string): number {
  const fields = readFileSync(path, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
}

export class ProcessProbe {
  constructor(readonly pid: number) {}

  /** utime + stime of the process (every thread: V8's garbage collection and compiler helpers too), ms. */
  cpuMs(): number {
    return statCpuMs(`/proc/${this.pid}/stat`);
  }

  /** utime + stime of the main thread alone (the event loop), ms. */
  mainThreadCpuMs(): number {
    return statCpuMs(`/proc/${this.pid}/task/${this.pid}/stat`);
  }

  /**
   * How long the main thread was runnable but waiting for a CPU, ms (the second field of its schedstat; 0 where that
   * file is absent, a kernel without CONFIG_SCHED_INFO). On a shared machine that shows as event-loop lag although
   * the loop was free.
   */
  mainThreadWaitMs(): number {
    try {
      const fields = readFileSync(`/proc/${this.pid}/task/${this.pid}/schedstat`, 'utf8').trim().split(' ');
      return Number(fields[1] ?? 0) / 1e6;
    } catch {
      return 0;
    }
  }

  /** Peak resident set since start or since the last resetPeak(), MiB. */
  peakRssMiB(): number {
    return this.statusKiB('VmHWM') / 1024;
  }

  rssMiB(): number {
    return this.statusKiB('VmRSS') / 1024;
  }

  /** Starts a new peak-RSS period; false when the kernel refused (then peaks are since start). */
  resetPeak(): boolean {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
      return true;
    } catch {
      return false;
    }
  }

  private statusKiB(field: string): number {
    const line = readFileSync(`/proc/${this.pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return Number(line?.split(/\s+/)[1] ?? 0);
  }
}

/**
 * CPU time the hypervisor gave to other guests while this machine's CPUs wanted to run (steal, summed over the
 * CPUs, so it can exceed the wall time), ms since boot; 0 where there is no /proc/stat. A VM whose vCPU is not
 * running stalls every process on it alike.
 */
export function machineStealMs(): number {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.trim().split(/\s+/) ?? [];
    return Number(fields[8] ?? 0) * CLOCK_TICK_MS;
  } catch {
    return 0;
  }
}

/** One scrape of the engine's /metrics. */
export class MetricsSnapshot {
  private constructor(private readonly samples: readonly ScrapedSample[]) {}

  static async scrape(url: string): Promise<MetricsSnapshot> {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    // A NaN gauge (a lag figure of a period without samples) comes as "Nan"; the parser reads it as Prometheus does.
    return new MetricsSnapshot(parseExposition(await res.text()));
  }

  /** The sum over the series of `name` whose labels include `labels`. */
  get(name: string, labels: Readonly<Record<string, string>> = {}): number {
    let sum = 0;
    for (const s of this.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
    }
    return sum;
  }

  /** Growth of a counter (or histogram _sum/_count) since an earlier snapshot. */
  since(earlier: MetricsSnapshot, name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.get(name, labels) - earlier.get(name, labels);
  }

  /** Observations of histogram `name` above `le` (one of its bucket bounds, as printed) since an earlier snapshot. */
  aboveSince(earlier: MetricsSnapshot, name: string, le: string): number {
    const bucket = `${name}_bucket`;
    return this.since(earlier, bucket, { le: '+Inf' }) - this.since(earlier, bucket, { le });
  }
}

/**
 * A control for the event-loop lag figures: a separate, idle Node process measuring its own event-loop delay
 * over the same periods. On a shared machine a process that is not scheduled looks exactly like one whose loop is
 * blocked; when the canary sees the same delay, the machine was busy, not the engine's loop.
 */
export class LagCanary {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = '';
  private waiting: ((value: { p99Ms: number; maxMs: number }) => void) | undefined;

  constructor() {
    const script = [
      "const h = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 });",
      'h.enable();',
      "process.stdin.on('data', () => {",
      '  process.stdout.write(JSON.stringify({ p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 }) + "\\n");',
      '  h.reset();',
      '});',
    ].join('\n');
    this.child = spawn(process.execPath, ['-e', script], { stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const end = this.buffer.indexOf('\n');
      if (end < 0) return;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      this.waiting?.(JSON.parse(line) as { p99Ms: number; maxMs: number });
      this.waiting = undefined;
    });
  }

  /** The canary's lag since the previous reading. */
  read(): Promise<{ p99Ms: number; maxMs: number }> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.child.stdin.write('r\n');
    });
  }

  stop(): void {
    this.child.kill();
  }
}
