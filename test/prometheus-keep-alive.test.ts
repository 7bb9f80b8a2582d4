import { describe, expect, it } from 'vitest';
import { PrometheusClient } from '../src/metrics/prometheus-client.js';
import { startKeepAliveServer } from './support/keep-alive-server.js';
import { waitFor } from './support/wait-for.js';

describe('an idle connection to Prometheus', () => {
  it('is closed by the engine before the server closes it, so no query is sent on a closing connection', async () => {
    const server = await startKeepAliveServer(2, {
      status: 'success',
      data: { resultType: 'vector', result: [] },
    });
    try {
      const client = new PrometheusClient({ url: server.url, timeoutMs: 5_000, maxConcurrency: 1 });
      expect(await client.instant('up', Date.now())).toEqual([]);
      await waitFor('the idle connection closed', () => server.closes.length === 1, { timeoutMs: 10_000 });
      expect(server.closes[0]?.by).toBe('client');
      // A second before the advertised 2 s (Node's agent's margin), not at the agent's own 30 s.
      expect(server.closes[0]?.idleMs).toBeLessThan(2_000);
    } finally {
      await server.stop();
    }
  });
});
