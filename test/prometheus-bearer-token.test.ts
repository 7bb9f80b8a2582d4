import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/settings.js';
import { HttpProbeSource } from '../src/server/http-probe-source.js';

// A Prometheus behind an authenticating proxy (Thanos Querier on OpenShift, for one): /-/ready needs the token too,
// or the engine would hold every policy Degraded (PrometheusUnavailable) although queries would work.
let server: Server;
let url: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prom-token-'));
  server = createServer((req, res) => {
    res.statusCode = req.headers.authorization === 'Bearer s3cret' ? 200 : 401;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('Prometheus bearer token file', () => {
  it('is a setting (PROMETHEUS_BEARER_TOKEN_FILE / --prometheus-bearer-token-file)', () => {
    expect(
      resolveConfig({}, { PROMETHEUS_BEARER_TOKEN_FILE: '/var/run/token' }).prometheusBearerTokenFile,
    ).toBe('/var/run/token');
    expect(resolveConfig({}, {}).prometheusBearerTokenFile).toBeUndefined();
  });

  it('is sent by the readiness probe, re-read after a rotation, and a missing file says so', async () => {
    const file = join(dir, 'token');
    await writeFile(file, 'wrong\n');
    const probe = (cacheMs: number) =>
      new HttpProbeSource({ name: 'prometheus', url, path: '/-/ready', bearerTokenFile: file, cacheMs });
    expect((await probe(0).check()).status).toBe('degraded');
    await writeFile(file, 's3cret\n');
    expect(await probe(0).check()).toMatchObject({ status: 'ok', message: expect.stringContaining('200') });
    const without = new HttpProbeSource({ name: 'prometheus', url, path: '/-/ready' });
    expect(await without.check()).toMatchObject({
      status: 'degraded',
      message: expect.stringContaining('401'),
    });
    const missing = new HttpProbeSource({
      name: 'prometheus',
      url,
      path: '/-/ready',
      bearerTokenFile: join(dir, 'absent'),
    });
    expect(await missing.check()).toMatchObject({
      status: 'down',
      message: expect.stringContaining('bearer token file'),
    });
  });
});
