/**
 * npm run bench:turns [-- --pods 10000 --rounds 6]
 *
 * The longest stretch the feature build's assembly and the detection cycle hold the event loop, in process,
 * without Prometheus: the answers are prebuilt series (as the reader returns them), so what is timed is the
 * engine's own synchronous work between two turns of the loop. That is what issue 12's event-loop lag target is
 * about: the Lease renewal timer and /healthz wait behind the longest turn. `bench:engine` measures the lag of
 * the whole engine; this isolates the two steps that scale with the pods.
 */
import { parseArgs } from 'node:util';
import { DetectionCycle } from '../src/detection/detection-cycle.js';
import { RuleTracker } from '../src/detection/rule-tracker.js';
import { FeatureVectorBuilder } from '../src/metrics/feature-vector-builder.js';
import type { PromQueryApi, RangeSeries } from '../src/metrics/prometheus-api.js';
import { yieldToEventLoop } from '../src/time/yield-to-event-loop.js';
import { deploymentsOfFive, rulesPolicySpec } from './detection-fixture.js';

const { values: args } = parseArgs({
  options: { pods: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '6' } },
});
const PODS = Number(args.pods);
const ROUNDS = Number(args.rounds);
const NODES = Math.max(1, Math.floor(PODS / 100));
const T = 1_800_000_000_000;

const times = Array.from({ length: 6 }, (_, i) => T - (5 - i) * 60_000);
const podSeries: RangeSeries[] = Array.from({ length: PODS }, (_, i) => ({
  labels: { namespace: `ns-${i % 10}`, pod: `p-${i}` },
  times,
  values: times.map((_, k) => ((i * 7 + k) % 13) / 13),
}));
const nodeSeries: RangeSeries[] = Array.from({ length: NODES }, (_, n) => ({
  labels: { instance: `n-${n}` },
  times,
  values: times.map(() => 0.5),
}));
const prometheus: PromQueryApi = {
  instant: async () => [],
  // An answer arrives in a turn of its own, as from a socket.
  range: async (query) => {
    await yieldToEventLoop();
    return query.includes('namespace, pod') ? podSeries : nodeSeries;
  },
  drainWarnings: () => [],
};
const pods = podSeries.map((s, i) => ({
  namespace: s.labels.namespace ?? '',
  name: s.labels.pod ?? '',
  uid: `uid-${i}`,
  nodeName: `n-${i % NODES}`,
}));

/** Runs `work`, timing every turn of the event loop meanwhile; returns the total and the longest turn, ms. */
async function timed(work: () => Promise<unknown>): Promise<{ totalMs: number; longestTurnMs: number }> {
  let longest = 0;
  let last = performance.now();
  let running = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const started = performance.now();
  await work();
  running = false;
  // The turn that ended the work counts too.
  longest = Math.max(longest, performance.now() - last);
  return { totalMs: performance.now() - started, longestTurnMs: longest };
}

const spec = rulesPolicySpec();
const targets = deploymentsOfFive(pods);

const builder = new FeatureVectorBuilder(prometheus);
const built = await builder.build({ namespaces: [], pods }, T);
const detection = new DetectionCycle({ features: { build: async () => built }, rules: new RuleTracker() });

console.log(`${PODS} pods, ${targets.length} Deployments, ${NODES} nodes; ${ROUNDS} rounds after a warm-up`);
console.log('| round | feature build ms | its longest turn ms | detection ms | its longest turn ms |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (let round = 0; round <= ROUNDS; round++) {
  const build = await timed(() => builder.build({ namespaces: [], pods }, T));
  const judge = await timed(() => detection.run([{ key: 'bench', spec, targets }], T + round * 30_000));
  const row = [build.totalMs, build.longestTurnMs, judge.totalMs, judge.longestTurnMs].map((ms) =>
    ms.toFixed(1),
  );
  console.log(`| ${round === 0 ? '0 (warm-up)' : round} | ${row.join(' | ')} |`);
}
