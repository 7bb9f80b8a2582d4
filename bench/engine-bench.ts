/**
 * npm run bench:engine [-- --pods 10000 --cycles 10 --interval 30 --namespaces 10 --skip-build --cpu-prof <dir>
 *                           --engines before=<dir>/dist/src/cli/main.js,after=dist/src/cli/main.js --rounds 2
 *                           --write-docs]
 *
 * Each engine runs with the node flags of the image's ENTRYPOINT (bench/image-node-flags.ts), unless its
 * --engines entry names its own after a second `=`, separated by spaces (entries are separated by commas):
 * `plain=dist/src/cli/main.js=` runs it with none, `big=dist/src/cli/main.js=--max-semi-space-size=32` with that.
 * A flag `env:NAME=value` sets an environment variable of that engine's process instead.
 *
 * The whole engine at scale: the sandbox holding N pods in N/5 Deployments (run by the simulator, which stops
 * once every pod runs), a real Prometheus backfilled with promtool for exactly those pods, and the engine as a
 * process (compiled output, as installed) with one ClusterRemediationPolicy in Rules mode selecting every
 * Deployment. After each detection cycle (the policy's status.lastEvaluationTime moves) it reads the engine's CPU
 * and peak RSS from /proc and its /metrics once (cycle and feature build wall, queries, ML calls, event-loop lag),
 * counts the requests the sandbox received, then measures the batched-36 floor (bench/batched-floor.ts) on the same
 * Prometheus. The first cycle runs right after the caches synced and is shown as warm-up, outside the summary.
 * With --engines (and --rounds), several builds take turns on the same cluster and Prometheus: before and after
 * are then measured under the same conditions, the machine's load included.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { JsonObject } from '../src/json/json-value.js';
import { sandboxWithCrd } from '../test/e2e/engine-harness.js';
import { rulesPolicyInput } from './detection-fixture.js';
import { backfilledPrometheus, populate } from './engine-bench-cluster.js';
import { summarize } from './engine-bench-report.js';
import { measureEngine } from './engine-run.js';
import { imageNodeFlags } from './image-node-flags.js';

const ROOT = resolve(import.meta.dirname, '..');
const POLICY = 'bench-all';

const { values: args } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    cycles: { type: 'string', default: '10' },
    interval: { type: 'string', default: '30' },
    namespaces: { type: 'string', default: '10' },
    'skip-build': { type: 'boolean', default: false },
    /** Directory for a V8 CPU profile of the engine (node --cpu-prof), written when it stops. */
    'cpu-prof': { type: 'string' },
    /** label=path of compiled engines (dist/src/cli/main.js of each build), measured one after the other. */
    engines: { type: 'string' },
    /** How many times the list of engines is run through (alternating, for before/after comparisons). */
    rounds: { type: 'string', default: '1' },
    /** Writes the summary into docs/scaling.md (between its bench:engine markers), with the command and date. */
    'write-docs': { type: 'boolean', default: false },
  },
});
const PODS = Number(args.pods);
const CYCLES = Number(args.cycles);
const INTERVAL_S = Number(args.interval);
const NAMESPACES = Number(args.namespaces);
const ROUNDS = Number(args.rounds);

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
    // Reads a feature of every pod (so every vector is built and judged) and never fires.
    spec: rulesPolicyInput(`${INTERVAL_S}s`),
  };
}

/** `label=path[=node flags],...` of compiled engines; default: this checkout's build, with the image's flags. */
function engines(): Array<{ label: string; mainJs: string; flags: string[] }> {
  const spec = args.engines ?? `current=${join(ROOT, 'dist/src/cli/main.js')}`;
  return spec.split(',').map((entry) => {
    const [label = '', path = '', ...rest] = entry.split('=');
    if (!label || !path) throw new Error(`--engines wants label=path[=flags][,...], got "${entry}"`);
    const flags = rest.length > 0 ? rest.join('=').split(' ').filter(Boolean) : imageNodeFlags(ROOT);
    return { label, mainJs: resolve(path), flags };
  });
}

/** Replaces what is between docs/scaling.md's bench:engine markers with this run's summary. */
function writeDocs(summary: string): void {
  const doc = join(ROOT, 'docs/scaling.md');
  const text = readFileSync(doc, 'utf8');
  const start = '<!-- bench:engine:start -->';
  const end = '<!-- bench:engine:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${doc} has no ${start} ... ${end} markers`);
  const extra = process.argv.slice(2).filter((a) => a !== '--write-docs');
  const command = ['npm run bench:engine', ...(extra.length > 0 ? ['--', ...extra] : [])].join(' ');
  const run = `Run ${new Date().toISOString()} with \`${command}\`.`;
  writeFileSync(doc, `${text.slice(0, i + start.length)}\n${run}\n\n${summary}\n${text.slice(j)}`);
  log(`wrote the summary into ${doc}`);
}

async function main(): Promise<void> {
  if (!args['skip-build']) {
    log('compiling (npm run build)');
    execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT });
  }
  const runs = Array.from({ length: ROUNDS }, () => engines()).flat();
  log(`load average ${load()}; building a cluster of ${PODS} pods in ${NAMESPACES} namespaces`);
  // Bookmarks as often as kube-apiserver sends them (about once a minute per watch), not the tests' every second:
  // each one is work for the engine, and the bench counts everything the engine does.
  const env = await sandboxWithCrd({ bookmarkIntervalMs: 60_000 });
  let prometheus: Awaited<ReturnType<typeof backfilledPrometheus>> | undefined;
  try {
    const cluster = await populate(env.sandbox, env.rest, PODS, NAMESPACES);
    log(
      `${cluster.pods.length} pods on ${cluster.nodes.length} nodes running after ${cluster.runningSeconds}s`,
    );
    // Every run's cycles, a warm-up and a start each, and slack: the history must outlast the last cycle.
    const runMs = runs.length * (CYCLES + 3) * INTERVAL_S * 1000 + 5 * 60_000;
    const b0 = Date.now();
    prometheus = await backfilledPrometheus(cluster, Date.now() + runMs);
    log(`backfilled ${prometheus.samples} samples in ${((Date.now() - b0) / 1000).toFixed(1)}s`);
    env.sandbox.create('coordination-engine.io', 'v1alpha1', 'clusterremediationpolicies', policy());

    const nodeArgs = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`] : [];
    // BENCH_ENGINE_NODE_ARGS: node flags for the engine alone (e.g. --trace-gc), not for this driver.
    nodeArgs.push(...(process.env.BENCH_ENGINE_NODE_ARGS ?? '').split(' ').filter(Boolean));
    const summaries: string[] = [];
    for (const [i, run] of runs.entries()) {
      const loadBefore = load();
      const rows = await measureEngine({
        ...run,
        kubeconfig: join(env.dir, 'kubeconfig'),
        prometheusUrl: prometheus.url,
        namespaces: cluster.namespaces,
        sandbox: env.sandbox,
        policy: { group: 'coordination-engine.io', plural: 'clusterremediationpolicies', name: POLICY },
        cycles: CYCLES,
        intervalS: INTERVAL_S,
        nodeArgs: [...run.flags, ...nodeArgs],
        // BENCH_ENGINE_LOG=<file> keeps what the engine printed (its log, and any --trace-gc lines).
        ...(process.env.BENCH_ENGINE_LOG ? { logFile: `${process.env.BENCH_ENGINE_LOG}.${i}` } : {}),
      });
      summaries.push(
        summarize(rows.slice(1), {
          label: run.flags.length > 0 ? `${run.label} (node ${run.flags.join(' ')})` : run.label,
          pods: cluster.pods.length,
          workloads: Math.ceil(cluster.pods.length / 5),
          intervalS: INTERVAL_S,
          load: `${loadBefore} → ${load()}`,
        }),
      );
    }
    process.stdout.write(`${summaries.join('\n\n')}\n`);
    if (args['write-docs']) writeDocs(summaries.join('\n\n'));
  } finally {
    await prometheus?.stop();
    await env.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
