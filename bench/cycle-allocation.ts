/**
 * npm run bench:allocation [-- --pods 10000 --rounds 5]
 *
 * What one cycle allocates on the V8 heap: the feature build and the detection of N pods, in process, with the
 * answers as bytes read by the engine's own reader (prometheus-response.ts), so everything between the socket and
 * the assessments is measured, minus HTTP. V8's sampling heap profiler counts every allocation, collected or not
 * (`includeObjectsCollectedByMajorGC/MinorGC`), one sample per 4 KiB on average: the figures are estimates, good to
 * a few percent. Garbage is what the collector's time goes into; see docs/scaling.md.
 */
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { DetectionCycle } from '../src/detection/detection-cycle.js';
import { RuleTracker } from '../src/detection/rule-tracker.js';
import { FeatureVectorBuilder } from '../src/metrics/feature-vector-builder.js';
import type { PromQueryApi } from '../src/metrics/prometheus-api.js';
import { readMatrixSliced, visitMatrixSliced } from '../src/metrics/prometheus-response.js';
import { seededRandom } from '../src/random/seeded-random.js';
import { deploymentsOfFive, rulesPolicySpec } from './detection-fixture.js';

const { values: args } = parseArgs({
  options: { pods: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '5' } },
});
const PODS = Number(args.pods);
const ROUNDS = Number(args.rounds);
const NODES = Math.max(1, Math.floor(PODS / 100));
const T = 1_800_000_000_000;
const next = seededRandom(12);

/** A range answer as Prometheus writes it: 6 points a series, values as Go's shortest float text (17 digits). */
function answer(series: number, labels: (i: number) => Record<string, string>, scale: number): Buffer {
  const result = Array.from({ length: series }, (_, i) => ({
    metric: labels(i),
    values: Array.from({ length: 6 }, (_, k) => [(T - (5 - k) * 60_000) / 1000, String(next() * scale)]),
  }));
  return Buffer.from(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
}
const podLabels = (i: number) => ({ namespace: `ns-${i % 10}`, pod: `web-${i}` });
const nodeAnswer = answer(NODES, (n) => ({ instance: `node-${n}` }), 1);
const podAnswer = answer(PODS, podLabels, 2);
// Restart counts are integers: the reader's exact fast path.
const restartAnswer = Buffer.from(podAnswer.toString('latin1').replace(/"[0-9.e-]+"\]/g, '"3"]'), 'latin1');
const bodyOf = (query: string) =>
  !query.includes('namespace, pod') ? nodeAnswer : query.includes('restarts') ? restartAnswer : podAnswer;

const prometheus: PromQueryApi = {
  instant: async () => [],
  range: async (query) => (await readMatrixSliced(bodyOf(query), query)).series,
  rangeEach: async (query, _start, _end, _step, visit) => {
    await visitMatrixSliced(bodyOf(query), query, visit);
  },
  drainWarnings: () => [],
};

const spec = rulesPolicySpec();
const pods = Array.from({ length: PODS }, (_, i) => ({
  ...podLabels(i),
  name: `web-${i}`,
  uid: `uid-${i}`,
  nodeName: `node-${i % NODES}`,
}));
const targets = deploymentsOfFive(pods);
const rules = new RuleTracker();
const builder = new FeatureVectorBuilder(prometheus);
/**
 * One DetectionCycle for the whole run, as the engine keeps one (it remembers the last cycle's union of pods).
 * Each cycle reads its own instant: the data sits at T, and each cycle reads it a second later, with a query
 * offset a second longer (the cycle reads deps.queryOffsetMs when it runs).
 */
const deps = { features: builder, rules, queryOffsetMs: 0 };
const detection = new DetectionCycle(deps);
async function cycle(round: number): Promise<void> {
  deps.queryOffsetMs = round * 1000;
  const results = await detection.run([{ key: 'bench', spec, targets }], T + round * 1000);
  const healthy = results.get('bench')?.summary.healthy;
  if (healthy !== targets.length) throw new Error(`expected every target healthy, got ${healthy}`);
}

interface ProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: ProfileNode[];
}

await cycle(0); // warm-up: compiles the code paths
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const cpu = process.cpuUsage();
for (let round = 1; round <= ROUNDS; round++) await cycle(round);
const cpuMs = process.cpuUsage(cpu);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
session.disconnect();

const bySite = new Map<string, number>();
const walk = (node: ProfileNode) => {
  const file = node.callFrame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/');
  const site = `${node.callFrame.functionName || '(anonymous)'} ${file}`;
  if (node.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child);
};
walk(profile.head);
const mb = (bytes: number) => (bytes / ROUNDS / 1e6).toFixed(1);
const total = [...bySite.values()].reduce((a, b) => a + b, 0);
console.log(
  `${PODS} pods, ${targets.length} Deployments, ${NODES} nodes; ${ROUNDS} cycles after a warm-up. ` +
    `Per cycle: about ${mb(total)} MB allocated on the V8 heap; ` +
    `${((cpuMs.user + cpuMs.system) / 1000 / ROUNDS).toFixed(0)} ms of CPU (all threads).`,
);
console.log('| allocated where (per cycle) | MB |');
console.log('| --- | ---: |');
for (const [site, bytes] of [...bySite.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`| ${site} | ${mb(bytes)} |`);
}
