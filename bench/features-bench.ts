/**
 * npm run bench:features — batched vs naive feature cycles against a real, backfilled Prometheus.
 *
 * One history of 10,000 pods in 10 namespaces of 1,000 is backfilled once; the 1,000 / 5,000 / 10,000 pod cycles
 * select 1, 5 or 10 namespaces. Every figure comes from a separate worker process (so peak RSS is its own);
 * queries are counted at a loopback proxy in front of Prometheus, i.e. from the HTTP requests it received.
 * The naive strategy (46 instant queries per pod, as in the original engine) runs on a sample of pods; its
 * per-cycle figures are the sample's, scaled linearly to the full pod count, and labelled as such.
 *
 * Env: BENCH_SIZES=1000,5000,10000  BENCH_NAIVE_SAMPLE=100  BENCH_CYCLES=3
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateCluster } from '../src/demo/cluster-metrics.js';
import { startBackfilledPrometheus } from '../src/demo/prometheus-launcher.js';
import { startLoopbackProxy } from '../test/support/loopback-proxy.js';
import { NAIVE_QUERIES_PER_POD } from './naive-feature-strategy.js';

const ROOT = resolve(import.meta.dirname, '..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');
const DOC = resolve(ROOT, 'docs/features.md');
const SIZES = (process.env.BENCH_SIZES ?? '1000,5000,10000').split(',').map(Number);
const NAIVE_SAMPLE = Number(process.env.BENCH_NAIVE_SAMPLE ?? 100);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 3);
const PER_NAMESPACE = 1000;

interface WorkerResult {
  strategy: string;
  wallMs: number;
  cpuMs: number;
  peakRssMiB: number;
  baselineRssMiB: number;
  vectors: number;
  complete: number;
}

function worker(args: string[]): Promise<WorkerResult> {
  return new Promise((done, fail) => {
    execFile(
      TSX,
      ['bench/features-cycle-worker.ts', ...args],
      { cwd: ROOT, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) fail(new Error(`worker failed: ${stderr || err.message}`));
        else done(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as WorkerResult);
      },
    );
  });
}

/** CPU seconds Prometheus has used so far (utime + stime from /proc, in clock ticks of 1/100 s). */
function prometheusCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const maxPods = Math.max(...SIZES);
  const namespaces = Array.from({ length: Math.ceil(maxPods / PER_NAMESPACE) }, (_, i) => `bench-${i}`);
  const endMs = Math.floor(Date.now() / 1000) * 1000;
  const g0 = performance.now();
  const dataset = generateCluster({
    seed: 2024,
    nodeCount: Math.ceil(maxPods / 30),
    podCount: maxPods,
    namespaces,
    endMs,
    historySeconds: 13 * 60, // 5m statistics window + 5m rate window + 1-2m to the evaluation instant, + slack
    scenarios: false,
    labelDetail: 'lean',
  });
  const prom = await startBackfilledPrometheus(dataset);
  const setupS = (performance.now() - g0) / 1000;
  const proxy = await startLoopbackProxy(prom.url);
  const work = await mkdtemp(join(tmpdir(), 'ce-bench-'));
  const t = Math.floor((endMs - 60_000) / 60_000) * 60_000;
  console.error(
    `backfilled ${fmt(prom.samples)} samples in ${dataset.series.length} series (${fmt(setupS, 1)} s); evaluating at ${new Date(t).toISOString()}`,
  );
  const rows: string[] = [];
  try {
    for (const size of SIZES) {
      const ns = namespaces.slice(0, Math.ceil(size / PER_NAMESPACE));
      proxy.reset();
      const cpu0 = prometheusCpuMs(prom.pid);
      const b = await worker([proxy.url, 'batched', String(t), ns.join(','), String(CYCLES)]);
      const bQueries = proxy.queryCount() / CYCLES;
      const bPromCpu = (prometheusCpuMs(prom.pid) - cpu0) / CYCLES;

      const selected = dataset.pods.filter((p) => ns.includes(p.namespace));
      const stride = Math.max(1, Math.floor(selected.length / NAIVE_SAMPLE));
      const sample = selected.filter((_, i) => i % stride === 0).slice(0, NAIVE_SAMPLE);
      const podsFile = join(work, `pods-${size}.txt`);
      await writeFile(podsFile, sample.map((p) => `${p.namespace}/${p.name}`).join('\n'));
      proxy.reset();
      const cpu1 = prometheusCpuMs(prom.pid);
      const n = await worker([proxy.url, 'naive', String(t), ns.join(','), '1', podsFile]);
      const scale = selected.length / sample.length;
      const nQueriesSample = proxy.queryCount();
      const nPromCpu = (prometheusCpuMs(prom.pid) - cpu1) * scale;
      const naive = { queries: nQueriesSample * scale, wallMs: n.wallMs * scale, cpuMs: n.cpuMs * scale };
      if (nQueriesSample !== sample.length * NAIVE_QUERIES_PER_POD) {
        throw new Error(`naive issued ${nQueriesSample} queries for ${sample.length} pods`);
      }
      const result = {
        size,
        pods: b.vectors,
        complete: b.complete,
        batched: { ...b, queries: bQueries, promCpuMs: bPromCpu },
      };
      console.error(
        JSON.stringify({
          ...result,
          naive: { ...naive, promCpuMs: nPromCpu, sample: sample.length, peakRssMiB: n.peakRssMiB },
        }),
      );
      rows.push(
        `| ${fmt(b.vectors)} | ${fmt(bQueries)} | ${fmt(b.wallMs)} | ${fmt(b.cpuMs)} | ${fmt(bPromCpu)} | ${fmt(b.peakRssMiB)} (${fmt(b.baselineRssMiB)}) ` +
          `| ${fmt(naive.queries)} | ${fmt(naive.wallMs)} | ${fmt(naive.cpuMs)} | ${fmt(nPromCpu)} | ${fmt(n.peakRssMiB)} (${fmt(n.baselineRssMiB)}) ` +
          `| ${fmt(naive.queries / bQueries)}x | ${fmt(naive.wallMs / b.wallMs, 1)}x | ${fmt(naive.cpuMs / b.cpuMs, 1)}x | ${fmt(nPromCpu / Math.max(1, bPromCpu), 1)}x |`,
      );
    }
  } finally {
    await proxy.close();
    await prom.stop();
    await rm(work, { recursive: true, force: true });
  }

  const table = [
    `Run: ${new Date().toISOString()}, ${CYCLES} batched cycles per size (median shown), naive sample ${NAIVE_SAMPLE} pods per size scaled to the full count; ` +
      `history ${fmt(prom.samples)} samples / ${dataset.series.length} series, setup (generate + promtool + start) ${fmt(setupS, 1)} s.`,
    '',
    '| pods | batched queries/cycle | batched wall ms | engine CPU ms | Prometheus CPU ms | engine peak RSS MiB (baseline) | naive queries/cycle | naive wall ms | naive engine CPU ms | naive Prometheus CPU ms | naive peak RSS MiB (sample; baseline) | queries ratio | wall ratio | engine CPU ratio | Prometheus CPU ratio |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  console.log(table);
  const doc = readFileSync(DOC, 'utf8');
  const start = '<!-- bench:features:start -->';
  const end = '<!-- bench:features:end -->';
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) {
    writeFileSync(DOC, `${doc.slice(0, i + start.length)}\n${table}\n${doc.slice(j)}`);
    console.error(`results written to ${DOC}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
