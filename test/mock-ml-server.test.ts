/** The mock ML server itself: its documented methods, request validation, fault controls and CLI. */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { faultsFromEnv } from '../mock-ml-server/src/faults.js';
import { type MockMlServer, startMockMlServer } from '../mock-ml-server/src/server.js';
import { toMetricPoints } from '../src/ml/feature-vector.js';
import { vectorFor } from './support/ml-fixtures.js';
import { waitFor } from './support/wait-for.js';

let server: MockMlServer;

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const detectBody = (vector = vectorFor('web-1')) => ({
  metrics: toMetricPoints(vector),
  context: { namespace: 'shop', resource: 'web' },
});
const iso = (minutes: number) => new Date(Date.UTC(2026, 0, 25, 0, 0) + minutes * 60_000).toISOString();

beforeAll(async () => {
  server = await startMockMlServer({ port: 0, faults: {} });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.faults.set({});
  server.resetCounts();
});

describe('anomaly detection (robust z-score against the reference profile)', () => {
  it('calls a calm workload normal and a memory spike anomalous, with memory advice', async () => {
    const calm = await post('/api/v1/anomaly/detect', detectBody());
    expect(calm.json).toMatchObject({ anomaly_detected: false, recommendations: [] });
    const spike = await post(
      '/api/v1/anomaly/detect',
      detectBody(vectorFor('web-1', { now: { pod_memory_usage: 0.98 } })),
    );
    expect(spike.json.anomaly_detected).toBe(true);
    expect(spike.json.recommendations).toContain('Check for memory leak');
    // The largest feature score: pod_memory_usage.diff, |0.48 - 0| / 0.03 (value: 0.48 / 0.13, pct_change: 0.96 / 0.1).
    expect(spike.json.anomaly_score).toBeCloseTo(0.48 / 0.03, 5);
  });

  it('scores higher the further a value departs, and answers the same input the same way', async () => {
    const scores: number[] = [];
    for (const level of [0.7, 0.8, 0.9]) {
      const { json } = await post(
        '/api/v1/anomaly/detect',
        detectBody(vectorFor('w', { now: { pod_memory_usage: level } })),
      );
      scores.push(json.anomaly_score as number);
    }
    expect(scores[0]).toBeLessThan(scores[1] as number);
    expect(scores[1]).toBeLessThan(scores[2] as number);
    const again = await post(
      '/api/v1/anomaly/detect',
      detectBody(vectorFor('w', { now: { pod_memory_usage: 0.9 } })),
    );
    expect(again.json.anomaly_score).toBe(scores[2]);
  });

  it('gives the KServe side the same verdicts as the REST side', async () => {
    const vectors = [vectorFor('a'), vectorFor('b', { now: { container_restart_count: 2 } })];
    const rest = await Promise.all(vectors.map((v) => post('/api/v1/anomaly/detect', detectBody(v))));
    const kserve = await post('/v1/models/anomaly-detector:predict', {
      instances: vectors.map((v) => v.values),
    });
    expect(kserve.json.predictions).toEqual(rest.map((r) => (r.json.anomaly_detected ? -1 : 1)));
    expect(kserve.json.predictions).toEqual([1, -1]);
  });
});

describe('prediction (linear trend and time to threshold)', () => {
  const memory = (values: number[]) =>
    values.map((value, i) => ({ name: 'pod_memory_usage.value', value, timestamp: iso(i * 5) }));
  const predict = (metrics: ReturnType<typeof memory>, recent_events: string[] = []) =>
    post('/api/v1/prediction/predict', {
      issue_context: { current_state: 'degraded', recent_events, metrics },
    });

  it('predicts an OOM when memory climbs towards its limit', async () => {
    // +0.05 every 5 minutes from 0.6: at 0.7 now, 1.0 is 30 minutes away.
    const { json } = await predict(memory([0.6, 0.65, 0.7]));
    expect(json.predicted_issues).toEqual([
      {
        issue: 'pod_oom',
        probability: Math.round(0.95 * (1 - 1800 / 86_400) * 1000) / 1000,
        time_to_occurrence: '30m',
      },
    ]);
    expect(json.suggested_actions).toEqual(['increase_memory_limit', 'investigate_memory_leak']);
  });

  it('predicts nothing for flat or falling memory, and a crash loop from repeated restarts', async () => {
    expect((await predict(memory([0.6, 0.6, 0.6]))).json.predicted_issues).toEqual([]);
    expect((await predict(memory([0.8, 0.7, 0.6]))).json.predicted_issues).toEqual([]);
    const { json } = await predict([], ['pod_restart', 'high_cpu', 'pod_restart', 'pod_restart']);
    expect(json.predicted_issues).toEqual([
      { issue: 'crash_loop', probability: 0.75, time_to_occurrence: '10m' },
    ]);
  });
});

describe('pattern analysis (spikes, periodicity, correlations)', () => {
  const analyze = (events: Array<{ timestamp: string; type: string }>, time_range = '24h') =>
    post('/api/v1/pattern/analyze', { historical_data: { time_range, events } });

  it('finds a periodic event and the event that follows it', async () => {
    const events = [];
    for (let i = 0; i < 8; i++) {
      events.push({ timestamp: iso(i * 10), type: 'high_cpu' });
      events.push({ timestamp: iso(i * 10 + 1), type: 'pod_restart' });
    }
    const { json } = await analyze(events, '2h');
    expect(json.patterns).toContainEqual({
      pattern: 'periodic_high_cpu',
      confidence: 1,
      event_type: 'high_cpu',
      period_seconds: 600,
    });
    expect(json.correlations).toContainEqual({
      events: ['high_cpu', 'pod_restart'],
      confidence: 1,
      lag_seconds: 60,
    });
  });

  it('finds a daily spike at the same hour over several days', async () => {
    const events = [0, 1, 2].flatMap((day) =>
      [0, 7, 19].map((minute) => ({ timestamp: iso(day * 1440 + 3 * 60 + minute), type: 'oom_kill' })),
    );
    const { json } = await analyze(events, '3d');
    expect(json.patterns).toContainEqual({
      pattern: 'daily_spike',
      confidence: 1,
      event_type: 'oom_kill',
      period_seconds: 86_400,
    });
  });

  it('finds a burst of events in one hour of an otherwise quiet day', async () => {
    const quiet = Array.from({ length: 12 }, (_, i) => ({ timestamp: iso(i * 120 + 5), type: 'high_cpu' }));
    const burst = Array.from({ length: 8 }, (_, i) => ({
      timestamp: iso(13 * 60 + 20 + i * 3),
      type: 'high_cpu',
    }));
    const { json } = await analyze([...quiet, ...burst], '24h');
    const spike = (json.patterns as Array<{ pattern: string; confidence: number }>).find(
      (p) => p.pattern === 'high_cpu_spike',
    );
    expect(spike?.confidence).toBeGreaterThan(0.5);
    const { json: calm } = await analyze(quiet, '24h');
    expect((calm.patterns as Array<{ pattern: string }>).map((p) => p.pattern)).not.toContain(
      'high_cpu_spike',
    );
  });
});

describe('request validation', () => {
  it('answers 400 with the offending field', async () => {
    const body = detectBody();
    (body.metrics[3] as { value: unknown }).value = 'high';
    expect(await post('/api/v1/anomaly/detect', body)).toEqual({
      status: 400,
      json: {
        error: 'metrics.3.value: Invalid input: expected number, received string',
        field: 'metrics.3.value',
      },
    });
    const short = detectBody();
    short.metrics.pop();
    const missing = await post('/api/v1/anomaly/detect', short);
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ field: 'metrics' });
    expect(missing.json.error).toMatch(/container_restart_count\.pct_change/);
    expect((await post('/api/v1/pattern/analyze', '{"historical_data":')).json).toEqual({
      error: 'request body is not valid JSON',
      field: '(body)',
    });
    expect(
      (await post('/api/v1/prediction/predict', { issue_context: { current_state: 'meh' } })).json.field,
    ).toBe('issue_context.current_state');
  });

  it('answers unknown models with 404 and too-large batches with a 500', async () => {
    expect((await post('/v1/models/nope:predict', { instances: [[1]] })).status).toBe(404);
    server.settings.maxBatchSize = 2;
    const big = await post('/v1/models/anomaly-detector:predict', {
      instances: [1, 2, 3].map(() => vectorFor('x').values),
    });
    server.settings.maxBatchSize = Number.MAX_SAFE_INTEGER;
    expect(big).toEqual({ status: 500, json: { error: 'batch of 3 instances exceeds the limit of 2' } });
  });
});

describe('fault controls', () => {
  it('sets faults over HTTP, validates them, and counts requests per path', async () => {
    expect((await post('/control/faults', { failEvery: 'often' })).json.field).toBe('failEvery');
    expect((await post('/control/faults', { failEvery: 3, failStatus: 502 })).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${server.url}/health`)).status);
    expect(statuses).toEqual([200, 200, 502, 200, 200, 502]);
    const counts = (await (await fetch(`${server.url}/control/requests`)).json()) as {
      byPath: Record<string, number>;
    };
    expect(counts.byPath).toEqual({ '/health': 6 });
    await fetch(`${server.url}/control/requests`, { method: 'DELETE' });
    await fetch(`${server.url}/control/faults`, { method: 'DELETE' });
    expect(server.counts().total).toBe(0);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('fails a seeded fraction reproducibly', async () => {
    const run = async () => {
      server.faults.set({ failRatio: 0.3, seed: 42 });
      const out: number[] = [];
      for (let i = 0; i < 40; i++) out.push((await fetch(`${server.url}/health`)).status);
      return out;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const failed = first.filter((s) => s === 503).length;
    expect(failed).toBeGreaterThan(4);
    expect(failed).toBeLessThan(20);
  });

  it('limits faults to the given paths and switches the KServe encoding at run time', async () => {
    server.faults.set({ failEvery: 1, paths: ['/api/'] });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await post('/api/v1/anomaly/detect', detectBody())).status).toBe(503);
    expect((await post('/control/models', { encoding: 'boolean' })).json.encoding).toBe('boolean');
    const res = await post('/v1/models/anomaly-detector:predict', { instances: [vectorFor('a').values] });
    await post('/control/models', { encoding: 'sklearn' });
    expect(res.json.predictions).toEqual([false]);
  });

  it('acts like the reference Flask server on request: one model under every name, ready while untrained', async () => {
    expect((await post('/control/models', { modelName: 'flask-model', untrained: true })).status).toBe(200);
    const ready = await (await fetch(`${server.url}/v1/models/anything`)).json();
    const predict = await post('/v1/models/anything:predict', { instances: [vectorFor('a').values] });
    const detect = await post('/api/v1/anomaly/detect', detectBody());
    await post('/control/models', { untrained: false });
    const trained = await post('/v1/models/anything:predict', { instances: [vectorFor('a').values] });
    await post('/control/models', { modelName: null });
    const unnamed = await fetch(`${server.url}/v1/models/anything`);

    expect(ready).toEqual({ name: 'flask-model', ready: true });
    expect(predict.status).toBe(500);
    expect(predict.json.error).toMatch(/^This IsolationForest instance is not fitted yet/);
    expect(detect.status).toBe(500);
    expect(trained.json).toMatchObject({ predictions: [1], model_name: 'flask-model' });
    // Back to serving the configured models only, each under its own name.
    expect(unnamed.status).toBe(404);
  });

  it('exposes Prometheus metrics', async () => {
    await fetch(`${server.url}/health`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/mock_ml_requests_total\{route="health",status="200"\} \d+/);
  });

  it('reads faults from MOCK_ML_* variables and names a bad one', () => {
    expect(
      faultsFromEnv({ MOCK_ML_LATENCY_MS: '50', MOCK_ML_HANG: 'true', MOCK_ML_FAULT_PATHS: '/api/,/v1/' }),
    ).toEqual({
      latencyMs: 50,
      hang: true,
      paths: ['/api/', '/v1/'],
    });
    expect(() => faultsFromEnv({ MOCK_ML_FAIL_EVERY: 'x' })).toThrow(/MOCK_ML_FAIL_EVERY/);
    expect(() => faultsFromEnv({ MOCK_ML_MALFORMED: 'garbage' })).toThrow(/malformed/);
  });
});

describe('command line', () => {
  it('starts with `npm run mock-ml -- --port 0` semantics and serves /health', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'mock-ml-server/src/main.ts',
        '--port',
        '0',
        '--answer-booleans',
        '--model-name',
        'flask-model',
        '--untrained',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      const url = await waitFor('the mock to listen', () => /listening on (http:\/\/\S+)/.exec(out)?.[1], {
        timeoutMs: 20_000,
      });
      expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'healthy' });
      expect(await (await fetch(`${url}/control/models`)).json()).toMatchObject({
        encoding: 'boolean',
        modelName: 'flask-model',
        untrained: true,
      });
    } finally {
      child.kill('SIGTERM');
    }
    await waitFor('the mock to exit', () => child.exitCode !== null || child.signalCode !== null);
  });

  it('rejects a bad option with a message naming it', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'mock-ml-server/src/main.ts', '--encoding', 'xml'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toMatch(/encoding/);
  });
});
