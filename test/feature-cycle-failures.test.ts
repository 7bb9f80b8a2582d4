import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterDataset, generateCluster } from '../src/demo/cluster-metrics.js';
import {
  type BackfilledPrometheus,
  freePort,
  startBackfilledPrometheus,
} from '../src/demo/prometheus-launcher.js';
import { FEATURE_COUNT } from '../src/metrics/feature-catalogue.js';
import { actionableVectors } from '../src/metrics/feature-vector.js';
import { FeatureVectorBuilder } from '../src/metrics/feature-vector-builder.js';
import { PrometheusClient, type PrometheusClientOptions } from '../src/metrics/prometheus-client.js';
import { startFakePrometheusApi } from './support/fake-prometheus-api.js';
import { type LoopbackProxy, startLoopbackProxy } from './support/loopback-proxy.js';
import { waitFor } from './support/wait-for.js';

const execFileAsync = promisify(execFile);

function builderFor(options: Partial<PrometheusClientOptions> & { url: string }) {
  const client = new PrometheusClient({ timeoutMs: 5_000, maxConcurrency: 4, ...options });
  return new FeatureVectorBuilder(client);
}

describe('feature cycles when Prometheus cannot answer', () => {
  let dataset: ClusterDataset;
  let prom: BackfilledPrometheus;
  let proxy: LoopbackProxy;
  let t: number;

  beforeAll(async () => {
    const endMs = Math.floor(Date.now() / 1000) * 1000;
    dataset = generateCluster({ seed: 11, nodeCount: 3, podCount: 20, namespaces: ['shop'], endMs });
    prom = await startBackfilledPrometheus(dataset);
    proxy = await startLoopbackProxy(prom.url);
    t = endMs - 60_000;
  });

  afterAll(async () => {
    await proxy?.close();
    await prom?.stop();
  });

  it('Prometheus down: the cycle is unavailable/unreachable and carries no vectors', async () => {
    const port = await freePort(); // nothing listens there
    const cycle = await builderFor({ url: `http://127.0.0.1:${port}` }).build({ namespaces: ['shop'] }, t);
    expect(cycle.status).toBe('unavailable');
    if (cycle.status !== 'unavailable') return;
    expect(cycle.reason).toBe('unreachable');
    expect(cycle).not.toHaveProperty('vectors');
    expect(actionableVectors(cycle)).toEqual({ degraded: true, vectors: [], insufficient: 0 });
  });

  it('Prometheus slower than the timeout: the cycle is unavailable/timeout', async () => {
    proxy.stall = true;
    try {
      proxy.reset();
      const client = new PrometheusClient({ url: proxy.url, timeoutMs: 300, maxConcurrency: 4 });
      const cycle = await new FeatureVectorBuilder(client).build({ namespaces: ['shop'] }, t);
      expect(cycle.status).toBe('unavailable');
      if (cycle.status !== 'unavailable') return;
      expect(cycle.reason).toBe('timeout');
      expect(client.load()).toEqual({ active: 0, waiting: 0 }); // nothing left running behind the cycle
      expect(proxy.queryCount()).toBeGreaterThan(0); // the requests did reach the (stalled) server
    } finally {
      proxy.stall = false;
    }
  });

  it('never has more queries on the wire than maxConcurrency', async () => {
    const client = new PrometheusClient({ url: proxy.url, timeoutMs: 1_000, maxConcurrency: 2 });
    proxy.reset();
    proxy.stall = true;
    const settled = Promise.allSettled(Array.from({ length: 6 }, () => client.instant('up', t)));
    try {
      await waitFor(
        'two stalled queries',
        async () => client.load().waiting === 4 && proxy.requests.length === 2,
      );
      expect(client.load()).toEqual({ active: 2, waiting: 4 });
      expect(proxy.requests).toHaveLength(2);
    } finally {
      proxy.stall = false;
    }
    // The two stalled queries time out; the four held back then reach Prometheus and succeed.
    const results = await settled;
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(2);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(proxy.requests).toHaveLength(6);
  });

  it('missing series: pods without any data are insufficient_data with every feature missing', async () => {
    const cycle = await builderFor({ url: proxy.url }).build(
      { namespaces: ['shop'], pods: [{ namespace: 'ghost', name: 'not-there' }] },
      t,
    );
    expect(cycle.status).toBe('ok');
    if (cycle.status !== 'ok') return;
    const [vector] = cycle.vectors;
    expect(vector?.state).toBe('insufficient_data');
    expect(vector?.missing).toHaveLength(FEATURE_COUNT);
    expect(vector?.features.every((f) => !f.ok)).toBe(true);
    expect(vector?.features.at(0)).toEqual({ ok: false, missing: 'no_node' });
  });

  it('a malformed body is unavailable/invalid_response, not a number', async () => {
    const fake = await startFakePrometheusApi();
    try {
      fake.reply = {
        status: 'success',
        data: { resultType: 'vector', result: [{ metric: {}, value: 'oops' }] },
      };
      const cycle = await builderFor({ url: fake.url }).build({ namespaces: ['shop'] }, t);
      expect(cycle.status).toBe('unavailable');
      if (cycle.status === 'unavailable') expect(cycle.reason).toBe('invalid_response');
    } finally {
      await fake.close();
    }
  });

  it('NaN and Inf from PromQL become not_finite features, and the cycle stays ok', async () => {
    const fake = await startFakePrometheusApi();
    try {
      const metric = { namespace: 'shop', pod: 'p' };
      const at = Math.floor(t / 1000); // the builder's instant (t rounded down to the second), in seconds
      fake.reply = (path: string) =>
        path.endsWith('query_range')
          ? {
              status: 'success',
              data: { resultType: 'matrix', result: [{ metric, values: [[at, 'NaN']] }] },
            }
          : {
              status: 'success',
              data: {
                resultType: 'vector',
                result: [{ metric: { ...metric, node: 'n' }, value: [at, '+Inf'] }],
              },
            };
      const cycle = await builderFor({ url: fake.url }).build({ namespaces: ['shop'] }, t);
      expect(cycle.status).toBe('ok');
      if (cycle.status !== 'ok') return;
      const pod = cycle.vectors.find((v) => v.pod === 'p');
      expect(pod?.features.at(18)).toEqual({ ok: false, missing: 'not_finite' }); // pod_cpu_usage.value
      expect(pod?.state).toBe('insufficient_data');
    } finally {
      await fake.close();
    }
  });

  it('a PromQL error from the server is unavailable/query_error', async () => {
    const client = new PrometheusClient({ url: proxy.url, timeoutMs: 5_000, maxConcurrency: 1 });
    await expect(client.instant('sum(', t)).rejects.toMatchObject({ kind: 'query_error', httpStatus: 400 });
  });
});

describe('production options: Thanos, bearer token, TLS', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ce-tls-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sends dedup/partial_response, surfaces Thanos warnings, and re-reads a rotated token file', async () => {
    const fake = await startFakePrometheusApi();
    const tokenFile = join(dir, 'token');
    try {
      fake.reply = (path: string) => ({
        status: 'success',
        data: { resultType: path.endsWith('query_range') ? 'matrix' : 'vector', result: [] },
        warnings: ['No StoreAPIs matched for this query'],
      });
      await writeFile(tokenFile, 'first-token\n');
      const client = new PrometheusClient({
        url: fake.url,
        timeoutMs: 5_000,
        maxConcurrency: 2,
        thanos: { dedup: true, partialResponse: true },
        bearerTokenFile: tokenFile,
      });
      await client.instant('up', 0);
      // Rotation writes new content (kubelet swaps a symlink; size and mtime change either way).
      await writeFile(tokenFile, 'second-token-rotated\n');
      await client.instant('up', 0);
      expect(fake.seen.map((r) => r.headers.authorization)).toEqual([
        'Bearer first-token',
        'Bearer second-token-rotated',
      ]);
      for (const r of fake.seen) {
        // Uncompressed answers: inflating them cost the engine more CPU than parsing them.
        expect(r.headers['accept-encoding']).toBe('identity');
        expect(r.body.get('dedup')).toBe('true');
        expect(r.body.get('partial_response')).toBe('true');
      }
      expect(client.drainWarnings()).toEqual([
        'No StoreAPIs matched for this query',
        'No StoreAPIs matched for this query',
      ]);
      const cycle = await new FeatureVectorBuilder(client).build({ namespaces: ['shop'] }, 0);
      expect(cycle).toMatchObject({
        status: 'ok',
        warnings: expect.arrayContaining(['No StoreAPIs matched for this query']),
      });
    } finally {
      await fake.close();
    }
  });

  it('verifies TLS by default and trusts a CA bundle when given one', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    await execFileAsync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    const fake = await startFakePrometheusApi({ key: await readFile(key), cert: await readFile(cert) });
    try {
      const untrusted = new PrometheusClient({ url: fake.url, timeoutMs: 5_000, maxConcurrency: 1 });
      await expect(untrusted.instant('up', 0)).rejects.toMatchObject({ kind: 'unreachable' });
      expect(fake.seen).toHaveLength(0);
      const trusted = new PrometheusClient({
        url: fake.url,
        timeoutMs: 5_000,
        maxConcurrency: 1,
        caFile: cert,
      });
      await expect(trusted.instant('up', 0)).resolves.toEqual([]);
      expect(fake.seen).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });
});
