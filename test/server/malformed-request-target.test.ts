import { connect } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createRouter } from '../../src/api/router.js';
import { close, createApiServer, createMetricsServer, listen } from '../../src/server/http-servers.js';

/** Sends one raw HTTP/1.1 request line (fetch cannot send a request-target that is not a valid URL). */
function rawRequest(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
    });
    socket.on('error', reject);
    // A server whose handler threw never answers: a deadline, so the test fails instead of hanging.
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
  });
}

// An absolute-form request-target that llhttp accepts but WHATWG URL does not: `new URL` throws on it, and a throw
// in a request listener is an uncaught exception that ends the engine. Anyone who reaches a port could send it.
const BAD_TARGET = 'http://[::1/api/v1/alerts';

describe('a request-target that is not a URL', () => {
  const servers: Array<import('node:http').Server> = [];
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  afterEach(async () => {
    process.off('uncaughtException', onUncaught);
    await Promise.all(servers.splice(0).map(close));
  });

  it('gets a 400 from the API port, the REST router and the metrics port, and crashes nothing', async () => {
    process.on('uncaughtException', onUncaught);
    const api = createRouter([], { logger: pino({ level: 'silent' }), now: Date.now });
    const view = () => ({
      sources: [],
      readiness: { notReadyReasons: () => [] },
      registry: new Registry(),
      api,
    });
    const apiServer = createApiServer(view);
    const metricsServer = createMetricsServer(view);
    servers.push(apiServer, metricsServer);
    const apiPort = await listen(apiServer, 0, '127.0.0.1');
    const metricsPort = await listen(metricsServer, 0, '127.0.0.1');
    for (const port of [apiPort, metricsPort]) {
      const answer = await rawRequest(port, BAD_TARGET);
      expect(uncaught).toEqual([]);
      expect(answer.status).toBe(400);
      expect(answer.body).toContain('"code":"InvalidRequestTarget"');
    }
    // The router alone (what createApiServer hands every non-health path to) answers it too.
    const routerOnly = (await import('node:http')).createServer(api);
    servers.push(routerOnly);
    const answer = await rawRequest(await listen(routerOnly, 0, '127.0.0.1'), BAD_TARGET);
    expect(uncaught).toEqual([]);
    expect(answer.status).toBe(400);
  });
});
