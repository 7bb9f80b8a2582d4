/**
 * npm run bench:engine [-- --pods 10000 --cycles 10 --interval 30 --namespaces 10 --skip-build --cpu-prof <dir>]
 *
 * The whole engine at scale: the sandbox holding N pods in N/5 Deployments (run by the simulator, which stops
 * once every pod runs), a real Prometheus backfilled with promtool for exactly those pods, and the engine as a
 * process (compiled output, as installed) with one ClusterRemediationPolicy in Rules mode selecting every
 * Deployment. After each detection cycle (the policy's status.lastEvaluationTime moves) it reads the engine's CPU
 * and peak RSS from /proc and its /metrics once (cycle and feature build wall, queries, ML calls, event-loop lag),
 * counts the requests the sandbox received, then measures the batched-36 floor (bench/batched-floor.ts) on the same
 * Prometheus. The first cycle runs right after the caches synced and is shown as warm-up, outside the summary.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { JsonObject } from '../src/json/json-value.js';
import { sandboxWithCrd } from '../test/e2e/engine-harness.js';
import { type RunningProcess, startNode } from '../test/support/child-process.js';
import { waitFor } from '../test/support/wait-for.js';
import { measureFloor } from './batched-floor.js';
import { backfilledPrometheus, populate } from './engine-bench-cluster.js';
import { type CycleRow, printRows, summarize } from './engine-bench-report.js';
import { MetricsSnapshot, ProcessProbe } from './engine-probe.js';

const ROOT = resolve(import.meta.dirname, '..');
const POLICY = 'bench-all';
const M = 'coordination_engine_';

const { values: args } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    cycles: { type: 'string', default: '10' },
    interval: { type: 'string', default: '30' },
    namespaces: { type: 'string', default: '10' },
    'skip-build': { type: 'boolean', default: false },
    /** Directory for a V8 CPU profile of the engine (node --cpu-prof), written when it stops. */
    'cpu-prof': { type: 'string' },
  },
});
const PODS = Number(args.pods);
const CYCLES = Number(args.cycles);
const INTERVAL_S = Number(args.interval);
const NAMESPACES = Number(args.namespaces);

const log = (message: string) =>
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function policy(): JsonObject {
  return {
    apiVersion: 'coordination-engine.io/v1alpha1',
    kind: 'ClusterRemediationPolicy',
    metadata: { name: POLICY },
    spec: {
      evaluationInterval: `${INTERVAL_S}s`,
      targets: { kinds: ['Deployment'] },
      detection: {
        mode: 'Rules',
        // Reads a feature of every pod (so every vector is built and judged) and never fires.
        rules: [
          { name: 'cpu-runaway', feature: 'pod_cpu_usage.value', operator: '>', value: 1000, for: '1m' },
        ],
      },
      actions: [{ name: 'tell-a-human', type: 'RecommendOnly' }],
      safety: { dryRun: true },
    },
  };
}

async function startEngine(kubeconfig: string, prometheusUrl: string): Promise<RunningProcess> {
  const profile = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`] : [];
  // BENCH_ENGINE_NODE_ARGS: node flags for the engine alone (e.g. --trace-gc), not for this driver.
  profile.push(...(process.env.BENCH_ENGINE_NODE_ARGS ?? '').split(' ').filter(Boolean));
  const proc = startNode(
    [
      ...profile,
      join(ROOT, 'dist/src/cli/main.js'),
      'run',
      '--kubeconfig',
      kubeconfig,
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--prometheus-url',
      prometheusUrl,
      '--leader-election-identity',
      'bench-engine',
    ],
    process.env,
  );
  try {
    await proc.waitForOutput(/"msg":"engine started"/, 120_000);
  } catch (error) {
    process.stderr.write(`engine output:\n${proc.output().slice(-4000)}\n`);
    throw error;
  }
  return proc;
}

async function main(): Promise<void> {
  if (!args['skip-build']) {
    log('compiling (npm run build)');
    execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT });
  }
  log(`load average ${load()}; building a cluster of ${PODS} pods in ${NAMESPACES} namespaces`);
  const env = await sandboxWithCrd();
  let engine: RunningProcess | undefined;
  let prometheus: Awaited<ReturnType<typeof backfilledPrometheus>> | undefined;
  try {
    const cluster = await populate(env.sandbox, env.rest, PODS, NAMESPACES);
    log(
      `${cluster.pods.length} pods on ${cluster.nodes.length} nodes running after ${cluster.runningSeconds}s`,
    );
    const runMs = (CYCLES + 4) * INTERVAL_S * 1000 + 5 * 60_000;
    const b0 = Date.now();
    prometheus = await backfilledPrometheus(cluster, Date.now() + runMs);
    log(`backfilled ${prometheus.samples} samples in ${((Date.now() - b0) / 1000).toFixed(1)}s`);

    env.sandbox.create('coordination-engine.io', 'v1alpha1', 'clusterremediationpolicies', policy());
    engine = await startEngine(join(env.dir, 'kubeconfig'), prometheus.url);
    const metricsPort = Number(engine.output().match(/"port":(\d+),"msg":"metrics server listening"/)?.[1]);
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const probe = new ProcessProbe(engine.child.pid as number);
    const lastEvaluation = () =>
      (
        env.sandbox.getObject('coordination-engine.io', 'clusterremediationpolicies', undefined, POLICY)
          ?.status as { lastEvaluationTime?: string } | undefined
      )?.lastEvaluationTime;
    const nextCycle = (after: string | undefined) =>
      waitFor(
        'the next evaluation',
        () => {
          const t = lastEvaluation();
          return t !== undefined && t !== after ? t : undefined;
        },
        { timeoutMs: Math.max(300_000, INTERVAL_S * 4000), intervalMs: 100 },
      );

    const requestSeq = () => env.sandbox.requests.at(-1)?.seq ?? 0;
    let cpu = probe.cpuMs();
    let mainCpu = probe.mainThreadCpuMs();
    probe.resetPeak();
    let snapshot = await MetricsSnapshot.scrape(metricsUrl);
    let seq = requestSeq();
    let evaluated: string | undefined;
    const rows: CycleRow[] = [];
    const loadBefore = load();
    for (let cycle = 0; cycle <= CYCLES; cycle++) {
      evaluated = await nextCycle(evaluated);
      const cpuNow = probe.cpuMs();
      const mainCpuNow = probe.mainThreadCpuMs();
      const peakRssMiB = probe.peakRssMiB();
      probe.resetPeak();
      const now = await MetricsSnapshot.scrape(metricsUrl);
      const seqNow = requestSeq();
      const floor = await measureFloor(
        prometheus.url,
        cluster.namespaces,
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
        queries: now.since(snapshot, `${M}feature_queries_total`),
        mlCalls: now.since(snapshot, `${M}ml_call_duration_seconds_count`),
        apiRequests: seqNow - seq,
        vectors: now.get(`${M}feature_vectors`),
        complete: now.get(`${M}feature_vectors`, { state: 'complete' }),
      };
      rows.push(row);
      printRows([row], cycle === 0);
      cpu = cpuNow;
      mainCpu = mainCpuNow;
      snapshot = now;
      seq = seqNow;
    }
    const summary = summarize(rows.slice(1), {
      pods: cluster.pods.length,
      workloads: Math.ceil(cluster.pods.length / 5),
      intervalS: INTERVAL_S,
      load: `${loadBefore} → ${load()}`,
    });
    process.stdout.write(`${summary}\n`);
  } finally {
    if (engine && engine.child.exitCode === null) {
      // A clean stop, so that a CPU profile is written; killed if it does not stop in time.
      engine.child.kill('SIGTERM');
      const timer = setTimeout(() => engine?.child.kill('SIGKILL'), 30_000);
      await engine.exited;
      clearTimeout(timer);
    }
    // BENCH_ENGINE_LOG=<file> keeps what the engine printed (its log, and any --trace-gc lines).
    if (engine && process.env.BENCH_ENGINE_LOG) writeFileSync(process.env.BENCH_ENGINE_LOG, engine.output());
    await prometheus?.stop();
    await env.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
