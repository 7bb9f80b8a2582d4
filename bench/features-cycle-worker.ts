/**
 * One measurement, in its own process so peak RSS belongs to this strategy and size alone.
 * argv: <prometheus-url> <batched|naive> <tMs> <namespaces,comma> <cycles> [naive pods: ns/pod,ns/pod...]
 * Prints one JSON line with per-cycle wall and CPU time, peak RSS and what was built.
 */
import { readFileSync } from 'node:fs';
import { FeatureVectorBuilder } from '../src/metrics/feature-vector-builder.js';
import { PrometheusClient } from '../src/metrics/prometheus-client.js';
import { naivePodFeatures } from './naive-feature-strategy.js';

const [url = '', strategy = 'batched', tArg = '0', nsArg = '', cyclesArg = '1', podsFile] =
  process.argv.slice(2);
const t = Number(tArg);
const namespaces = nsArg.split(',');
const cycles = Number(cyclesArg);
const client = new PrometheusClient({ url, timeoutMs: 120_000, maxConcurrency: 4 });

async function batched(): Promise<{ vectors: number; complete: number }> {
  const builder = new FeatureVectorBuilder(client);
  const cycle = await builder.build({ namespaces }, t);
  if (cycle.status !== 'ok') throw new Error(`cycle unavailable: ${cycle.reason} ${cycle.message}`);
  return {
    vectors: cycle.vectors.length,
    complete: cycle.vectors.filter((v) => v.state === 'complete').length,
  };
}

async function naive(
  pods: { namespace: string; name: string }[],
): Promise<{ vectors: number; complete: number }> {
  const results = await Promise.all(pods.map((p) => naivePodFeatures(client, p.namespace, p.name, t)));
  return {
    vectors: results.length,
    complete: results.filter((r) => r.values.every((v) => v !== null)).length,
  };
}

const pods: { namespace: string; name: string }[] = podsFile
  ? readFileSync(podsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [namespace = '', name = ''] = line.split('/');
        return { namespace, name };
      })
  : [];
const run = () => (strategy === 'naive' ? naive(pods) : batched());

// Peak RSS before any cycle: the runtime and tsx loader, reported so the cycle's own share can be read off.
const baselineRssMiB = process.resourceUsage().maxRSS / 1024;
const walls: number[] = [];
const cpus: number[] = [];
let built = { vectors: 0, complete: 0 };
for (let i = 0; i < cycles; i++) {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  built = await run();
  walls.push(performance.now() - wall0);
  const cpu = process.cpuUsage(cpu0);
  cpus.push((cpu.user + cpu.system) / 1000);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
process.stdout.write(
  `${JSON.stringify({
    strategy,
    cycles,
    wallMs: median(walls),
    cpuMs: median(cpus),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    baselineRssMiB,
    ...built,
  })}\n`,
);
