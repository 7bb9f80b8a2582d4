/** The figures of `npm run bench:engine`: one row per cycle, and a markdown summary with the issue's targets. */

export interface CycleRow {
  cycle: number;
  /** Detection cycle wall time (feature build, ML, verdicts), from the engine's histogram. */
  wallMs: number;
  /** Feature build wall time (queries and vectors), from the engine's histogram. */
  buildMs: number;
  /** The batched-36 floor on the same Prometheus, measured right after the cycle. */
  floorMs: number;
  /** Engine CPU (user + system) since the previous cycle: everything the process did in one interval. */
  cpuMs: number;
  /** The part of cpuMs spent on the main thread (the rest: garbage collection and compiler helper threads). */
  mainCpuMs: number;
  /** V8 heap in use right after the cycle. */
  heapMiB: number;
  peakRssMiB: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** The same, measured by an idle process on the same machine: what scheduling alone caused. */
  canaryMaxMs: number;
  /** How long the engine's main thread was runnable but waiting for a CPU in the interval (schedstat). */
  mainWaitMs: number;
  /** CPU time the hypervisor took from this VM in the interval (steal, all CPUs). */
  stealMs: number;
  /** The engine's garbage-collection pauses over 10 ms and over 100 ms in the interval (nodejs_gc_duration_seconds). */
  gcOver10Ms: number;
  gcOver100Ms: number;
  queries: number;
  mlCalls: number;
  apiRequests: number;
  vectors: number;
  complete: number;
}

export interface RunInfo {
  label: string;
  pods: number;
  workloads: number;
  intervalS: number;
  load: string;
}

const f = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const HEADER =
  '| cycle | wall ms | feature build ms | batched-36 floor ms | build / floor | engine CPU ms (main thread) | peak RSS MiB (heap) | event-loop lag p99 / max ms (idle process max) | main thread waiting for a CPU ms (VM steal, all CPUs) | GC pauses > 10 ms (> 100 ms) | queries | ML calls | API requests | vectors complete |';
const RULE =
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';

function line(r: CycleRow, warmUp = false): string {
  return `| ${warmUp ? `${r.cycle} (warm-up)` : r.cycle} | ${f(r.wallMs)} | ${f(r.buildMs)} | ${f(r.floorMs)} | ${f(r.buildMs / r.floorMs, 2)} | ${f(r.cpuMs)} (${f(r.mainCpuMs)}) | ${f(r.peakRssMiB)} (${f(r.heapMiB)}) | ${f(r.lagP99Ms)} / ${f(r.lagMaxMs)} (${f(r.canaryMaxMs)}) | ${f(r.mainWaitMs)} (${f(r.stealMs)}) | ${f(r.gcOver10Ms)} (${f(r.gcOver100Ms)}) | ${f(r.queries)} | ${f(r.mlCalls)} | ${f(r.apiRequests)} | ${f(r.complete)} / ${f(r.vectors)} |`;
}

let printedFor: string | undefined;
/** Each cycle on stderr as it completes, under a header naming the engine. */
export function printRows(label: string, rows: readonly CycleRow[], warmUp: boolean): void {
  if (printedFor !== label || warmUp) {
    process.stderr.write(`\nengine "${label}"\n${HEADER}\n${RULE}\n`);
    printedFor = label;
  }
  for (const r of rows) process.stderr.write(`${line(r, warmUp)}\n`);
}

const QUIET_MACHINE_MS = 50;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const max = (xs: number[]) => Math.max(...xs);

/** The measured cycles as a markdown table, their medians and maxima, and the targets of issue 12. */
export function summarize(rows: readonly CycleRow[], run: RunInfo): string {
  const col = (pick: (r: CycleRow) => number) => rows.map(pick);
  const ratio = col((r) => r.buildMs / r.floorMs);
  const allComplete = rows.every((r) => r.complete === r.vectors && r.vectors === run.pods);
  const target = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const cpu = median(col((r) => r.cpuMs));
  const rss = max(col((r) => r.peakRssMiB));
  const lag = max(col((r) => r.lagMaxMs));
  // Cycles in which the machine itself let an idle process run on time: there the lag is the engine's own.
  const quiet = rows.filter((r) => r.canaryMaxMs < QUIET_MACHINE_MS);
  const quietLag = quiet.length > 0 ? max(quiet.map((r) => r.lagMaxMs)) : Number.NaN;
  const medianRatio = median(ratio);
  return [
    `Engine "${run.label}": ${f(run.pods)} pods in ${f(run.workloads)} Deployments, one Rules policy every ${run.intervalS}s, ${rows.length} cycles after a warm-up; load average (1/5/15 min) ${run.load}.`,
    '',
    HEADER,
    RULE,
    ...rows.map((r) => line(r)),
    `| **median** | ${f(median(col((r) => r.wallMs)))} | ${f(median(col((r) => r.buildMs)))} | ${f(median(col((r) => r.floorMs)))} | ${f(medianRatio, 2)} | ${f(cpu)} (${f(median(col((r) => r.mainCpuMs)))}) | ${f(median(col((r) => r.peakRssMiB)))} (${f(median(col((r) => r.heapMiB)))}) | ${f(median(col((r) => r.lagP99Ms)))} / ${f(median(col((r) => r.lagMaxMs)))} (${f(median(col((r) => r.canaryMaxMs)))}) | ${f(median(col((r) => r.mainWaitMs)))} (${f(median(col((r) => r.stealMs)))}) | | | | ${f(median(col((r) => r.apiRequests)))} | |`,
    `| **max** | ${f(max(col((r) => r.wallMs)))} | ${f(max(col((r) => r.buildMs)))} | ${f(max(col((r) => r.floorMs)))} | ${f(max(ratio), 2)} | ${f(max(col((r) => r.cpuMs)))} (${f(max(col((r) => r.mainCpuMs)))}) | ${f(rss)} (${f(max(col((r) => r.heapMiB)))}) | ${f(max(col((r) => r.lagP99Ms)))} / ${f(lag)} (${f(max(col((r) => r.canaryMaxMs)))}) | ${f(max(col((r) => r.mainWaitMs)))} (${f(max(col((r) => r.stealMs)))}) | ${f(max(col((r) => r.gcOver10Ms)))} (${f(max(col((r) => r.gcOver100Ms)))}) | | | ${f(max(col((r) => r.apiRequests)))} | |`,
    '',
    `Targets (issue 12, stated for 10,000 pods): engine CPU median ${f(cpu)} ms ≤ 500: ${target(cpu <= 500)}; ` +
      `peak RSS ${f(rss)} MiB ≤ 300: ${target(rss <= 300)}; event-loop lag max ${f(lag)} ms ≤ 100: ${target(lag <= 100)} ` +
      `(${f(quietLag)} ms over the ${quiet.length} cycles where an idle process saw less than ${QUIET_MACHINE_MS} ms: ${target(quietLag <= 100)}); ` +
      `build / floor median ${f(medianRatio, 2)} (max ${f(max(ratio), 2)}) ≤ 0.5: ${target(max(ratio) <= 0.5)}; ` +
      `every vector complete: ${target(allComplete)}.`,
  ].join('\n');
}
