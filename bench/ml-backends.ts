/**
 * `npm run bench:ml`: what a cycle's anomaly scoring costs against the mock ML server over loopback HTTP.
 * Compares the ADR-009 REST backend (one call per vector) with the KServe backend (many vectors per call),
 * and measures what a call costs while the circuit breaker is open. The mock runs in the same process, so its
 * CPU is in the figures too. Figures depend on the machine; compare rows, not absolute numbers.
 */
import { Registry } from 'prom-client';
import { startMockMlServer } from '../mock-ml-server/src/server.js';
import { FEATURE_COUNT } from '../src/metrics/feature-catalogue.js';
import type { CompleteFeatureVector } from '../src/ml/feature-vector.js';
import { KServeMlBackend } from '../src/ml/kserve-backend.js';
import type { MlBackend } from '../src/ml/ml-backend.js';
import { MlClient } from '../src/ml/ml-client.js';
import { DEFAULT_ML_CONFIG, type MlClientConfig } from '../src/ml/ml-config.js';
import { createMlMetrics } from '../src/ml/ml-metrics.js';
import { RestMlBackend } from '../src/ml/rest-backend.js';

const VECTORS = Number(process.env.BENCH_VECTORS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function vectors(n: number): CompleteFeatureVector[] {
  return Array.from({ length: n }, (_, i) => ({
    namespace: 'bench',
    pod: `pod-${i}`,
    timestamp: new Date(Date.UTC(2026, 0, 25, 10)),
    values: Array.from({ length: FEATURE_COUNT }, (_, f) => ((i * 31 + f * 7) % 100) / 200),
  }));
}

async function main(): Promise<void> {
  const server = await startMockMlServer({ port: 0, faults: {} });
  const config: MlClientConfig = { ...DEFAULT_ML_CONFIG.client, baseUrl: server.url, timeoutMs: 10_000 };
  const input = vectors(VECTORS);
  const rows: string[] = [];
  const clients: MlClient[] = [];
  const make = (label: string, build: (client: MlClient) => MlBackend) => {
    const client = new MlClient(config, createMlMetrics(new Registry()));
    clients.push(client);
    return { label, backend: build(client) };
  };
  const cases = [
    make('REST, 1 vector/call, 4 in flight', (c) => new RestMlBackend(c, 4)),
    make(
      'KServe, batches of 10',
      (c) => new KServeMlBackend(c, { ...DEFAULT_ML_CONFIG.kserve, maxBatchSize: 10 }),
    ),
    make(
      'KServe, batches of 100',
      (c) => new KServeMlBackend(c, { ...DEFAULT_ML_CONFIG.kserve, maxBatchSize: 100 }),
    ),
  ];
  for (const { label, backend } of cases) {
    await backend.detectAnomalies(input.slice(0, 20)); // warm the connection pool and the JIT
    server.resetCounts();
    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const started = performance.now();
      const outcomes = await backend.detectAnomalies(input);
      times.push(performance.now() - started);
      if (outcomes.some((o) => o.error)) throw new Error(`${label}: a call failed`);
    }
    const best = Math.min(...times);
    const counts = server.counts();
    rows.push(
      `| ${label} | ${counts.total / ROUNDS} | ${counts.connections} | ${best.toFixed(0)} ms | ${Math.round((VECTORS / best) * 1000)} |`,
    );
  }

  // Cost of a call while the breaker is open: no I/O, just the policies.
  const open = new MlClient(
    { ...config, breakerThreshold: 1, breakerHalfOpenAfterMs: 600_000, retryMaxAttempts: 1 },
    createMlMetrics(new Registry()),
  );
  clients.push(open);
  server.faults.set({ failEvery: 1, failStatus: 500 });
  const rest = new RestMlBackend(open, 4);
  await rest.detectAnomalies(input.slice(0, 1));
  const started = performance.now();
  await rest.detectAnomalies(input);
  const perCall = ((performance.now() - started) * 1000) / VECTORS;

  for (const c of clients) c.close();
  await server.close();
  process.stdout.write(
    `${VECTORS} vectors per cycle, best of ${ROUNDS} rounds, mock ML server on loopback\n\n` +
      '| backend | requests/cycle | new TCP connections | cycle time | vectors/s |\n| --- | --- | --- | --- | --- |\n' +
      `${rows.join('\n')}\n\nbreaker open: ${perCall.toFixed(1)} µs per rejected call (${VECTORS} calls, none sent)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
