/**
 * `npm run bench:local-detector`: the local fallback detector's false-positive rate on steady pods
 * (bench/steady-pods.ts), by how much history each verdict rested on. Every anomaly it reports here is false.
 * The default minimum history (ML_LOCAL_MIN_SAMPLES) is the row marked with *.
 *
 * Env: BENCH_PODS=25, BENCH_CYCLES=600 (per seed), BENCH_SEEDS=8, BENCH_INTERVAL_SECONDS=30 (between samples)
 */
import { DEFAULT_ML_CONFIG } from '../src/ml/ml-config.js';
import { measureFalsePositives } from './local-detector-false-positives.js';
import { STEADY_MODELS } from './steady-pods.js';

const PODS = Number(process.env.BENCH_PODS ?? 25);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 600);
const INTERVAL_S = Number(process.env.BENCH_INTERVAL_SECONDS ?? 30);
const SEEDS = Array.from({ length: Number(process.env.BENCH_SEEDS ?? 8) }, (_, i) => i + 1);
const { localMinSamples, localWindowSize, localZThreshold } = DEFAULT_ML_CONFIG.degradation;

const BUCKETS: Array<[number, number]> = [
  [5, 5],
  [5, 9],
  [10, 14],
  [15, 19],
  [localMinSamples, localWindowSize],
  [localWindowSize, localWindowSize],
];

const percent = (x: number) => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 4 : 2)} %`;
const lines = [
  `${PODS} steady pods, ${CYCLES} cycles of ${INTERVAL_S} s, ${SEEDS.length} seeds; window ${localWindowSize}, ` +
    `|z| >= ${localZThreshold}; * = verdicts the default minimum history (${localMinSamples}) gives`,
  '',
  '| model | samples | verdicts | false positives | rate | flagged pods per cycle | worst cycle |',
  '| --- | --- | --- | --- | --- | --- | --- |',
];
for (const model of STEADY_MODELS) {
  const run = measureFalsePositives({
    model,
    pods: PODS,
    cycles: CYCLES,
    seeds: SEEDS,
    intervalMs: INTERVAL_S * 1000,
  });
  for (const [from, to] of BUCKETS) {
    const t = run.between(from, to);
    const mark = from === localMinSamples && to === localWindowSize ? ' *' : '';
    const samples = from === to ? `${from}` : `${from}–${to}`;
    lines.push(
      `| ${model} | ${samples}${mark} | ${t.judged} | ${t.flagged} | ${percent(t.rate)} | ` +
        `${t.perCycle.toFixed(2)} of ${PODS} | ${t.worstCycle} |`,
    );
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
