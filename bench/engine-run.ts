/**
 * One engine process measured over a number of detection cycles (bench/engine-bench.ts runs one or several, one
 * after the other, against the same cluster and Prometheus). A cycle ends when the policy's
 * status.lastEvaluationTime moves; then the engine's CPU and peak RSS are read from /proc, its /metrics once,
 * the sandbox's request count, an idle process's event-loop lag (the machine's share), and the batched-36 floor
 * is measured on the same Prometheus.
 */
import { writeFileSync } from 'node:fs';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { type RunningProcess, startNode } from '../test/support/child-process.js';
import { waitFor } from '../test/support/wait-for.js';
import { measureFloor } from './batched-floor.js';
import { type CycleRow, printRows } from './engine-bench-report.js';
import { LagCanary, MetricsSnapshot, machineStealMs, ProcessProbe } from './engine-probe.js';

const M = 'coordination_engine_';

export interface EngineRunOptions {
  /** The engine's compiled entry point (dist/src/cli/main.js of some build). */
  mainJs: string;
  label: string;
  kubeconfig: string;
  prometheusUrl: string;
  namespaces: readonly string[];
  sandbox: Sandbox;
  policy: { group: string; plural: string; name: string };
  cycles: number;
  intervalS: number;
  /** node flags for the engine alone: --cpu-prof, BENCH_ENGINE_NODE_ARGS. */
  nodeArgs: readonly string[];
  /** Where to keep what the engine printed, if anywhere. */
  logFile?: string;
}

/** `env:NAME=value` among the node flags sets an environment variable of the engine's process instead. */
function splitEnv(args: readonly string[]): { nodeArgs: string[]; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const nodeArgs: string[] = [];
  for (const arg of args) {
    const m = /^env:([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(arg);
    if (m?.[1]) env[m[1]] = m[2] ?? '';
    else nodeArgs.push(arg);
  }
  return { nodeArgs, env };
}

async function startEngine(o: EngineRunOptions): Promise<RunningProcess> {
  const { nodeArgs, env } = splitEnv(o.nodeArgs);
  const proc = startNode(
    [
      ...nodeArgs,
      o.mainJs,
      'run',
      '--kubeconfig',
      o.kubeconfig,
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--prometheus-url',
      o.prometheusUrl,
      '--leader-election-identity',
      `bench-${o.label}`,
    ],
    env,
  );
  try {
    await proc.waitForOutput(/"msg":"engine started"/, 120_000);
  } catch (error) {
    process.stderr.write(`engine output:\n${proc.output().slice(-4000)}\n`);
    throw error;
  }
  return proc;
}

/** Stops the engine cleanly (so a CPU profile is written and the Lease released); killed if it hangs. */
async function stopEngine(engine: RunningProcess): Promise<void> {
  if (engine.child.exitCode !== null || engine.child.signalCode !== null) return;
  engine.child.kill('SIGTERM');
  const timer = setTimeout(() => engine.child.kill('SIGKILL'), 30_000);
  await engine.exited;
  clearTimeout(timer);
}

/** Rows for `cycles` cycles after a first (warm-up) one, which is rows[0]. */
export async function measureEngine(o: EngineRunOptions): Promise<CycleRow[]> {
  const lastEvaluation = () =>
    (
      o.sandbox.getObject(o.policy.group, o.policy.plural, undefined, o.policy.name)?.status as
        | { lastEvaluationTime?: string }
        | undefined
    )?.lastEvaluationTime;
  const nextCycle = (after: string | undefined) =>
    waitFor(
      'the next evaluation',
      () => {
        const t = lastEvaluation();
        return t !== undefined && t !== after ? t : undefined;
      },
      { timeoutMs: Math.max(300_000, o.intervalS * 4000), intervalMs: 100 },
    );
  const requestSeq = () => o.sandbox.requests.at(-1)?.seq ?? 0;
  // The evaluation the previous engine left in the status is not this engine's.
  let evaluated = lastEvaluation();
  const engine = await startEngine(o);
  const canary = new LagCanary();
  try {
    const metricsPort = Number(engine.output().match(/"port":(\d+),"msg":"metrics server listening"/)?.[1]);
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const probe = new ProcessProbe(engine.child.pid as number);
    let cpu = probe.cpuMs();
    let mainCpu = probe.mainThreadCpuMs();
    let wait = probe.mainThreadWaitMs();
    let steal = machineStealMs();
    probe.resetPeak();
    let snapshot = await MetricsSnapshot.scrape(metricsUrl);
    await canary.read();
    let seq = requestSeq();
    const rows: CycleRow[] = [];
    for (let cycle = 0; cycle <= o.cycles; cycle++) {
      try {
        evaluated = await nextCycle(evaluated);
      } catch (error) {
        const { exitCode, signalCode } = engine.child;
        const status = o.sandbox.getObject(o.policy.group, o.policy.plural, undefined, o.policy.name)?.status;
        process.stderr.write(
          `no evaluation: engine ${exitCode === null && signalCode === null ? 'running' : `exited (code ${exitCode}, signal ${signalCode})`}\n` +
            `policy status: ${JSON.stringify(status)}\nengine output:\n${engine.output().slice(-6000)}\n`,
        );
        throw error;
      }
      const cpuNow = probe.cpuMs();
      const mainCpuNow = probe.mainThreadCpuMs();
      const waitNow = probe.mainThreadWaitMs();
      const stealNow = machineStealMs();
      const peakRssMiB = probe.peakRssMiB();
      probe.resetPeak();
      const now = await MetricsSnapshot.scrape(metricsUrl);
      const machine = await canary.read();
      const seqNow = requestSeq();
      const floor = await measureFloor(
        o.prometheusUrl,
        o.namespaces,
        Math.floor(Date.now() / 60_000) * 60_000,
      );
      const row: CycleRow = {
        cycle,
        wallMs: now.since(snapshot, `${M}detection_cycle_duration_seconds_sum`) * 1000,
        buildMs: now.since(snapshot, `${M}feature_build_duration_seconds_sum`) * 1000,
        floorMs: floor.wallMs,
        cpuMs: cpuNow - cpu,
        mainCpuMs: mainCpuNow - mainCpu,
        heapMiB: now.get(`${M}nodejs_heap_size_used_bytes`) / 2 ** 20,
        peakRssMiB,
        lagP99Ms: now.get(`${M}nodejs_eventloop_lag_p99_seconds`) * 1000,
        lagMaxMs: now.get(`${M}nodejs_eventloop_lag_max_seconds`) * 1000,
        canaryMaxMs: machine.maxMs,
        mainWaitMs: waitNow - wait,
        stealMs: stealNow - steal,
        gcOver10Ms: now.aboveSince(snapshot, `${M}nodejs_gc_duration_seconds`, '0.01'),
        gcOver100Ms: now.aboveSince(snapshot, `${M}nodejs_gc_duration_seconds`, '0.1'),
        queries: now.since(snapshot, `${M}feature_queries_total`),
        mlCalls: now.since(snapshot, `${M}ml_call_duration_seconds_count`),
        apiRequests: seqNow - seq,
        vectors: now.get(`${M}feature_vectors`),
        complete: now.get(`${M}feature_vectors`, { state: 'complete' }),
      };
      rows.push(row);
      printRows(o.label, [row], cycle === 0);
      cpu = cpuNow;
      mainCpu = mainCpuNow;
      wait = waitNow;
      steal = stealNow;
      snapshot = now;
      seq = seqNow;
    }
    return rows;
  } finally {
    canary.stop();
    await stopEngine(engine);
    // What the engine printed (its log, and any --trace-gc lines).
    if (o.logFile) writeFileSync(o.logFile, engine.output());
  }
}
