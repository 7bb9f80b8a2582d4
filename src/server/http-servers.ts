import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { type HealthSource, summarize } from './health.js';

/*
 * node:http rather than a framework: a handful of routes, and nothing a framework would add but a dependency.
 * Every answer is JSON or text with an explicit status; unknown routes get a JSON 404. The REST API and the
 * webhook (src/api/) answer every path of the API port other than the health routes.
 */

/** The routes this file serves on the API port (docs/api/openapi.yaml documents them with the rest). */
export const HEALTH_ROUTES = ['/healthz', '/readyz', '/api/v1/health'] as const;

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Readiness {
  /** Empty when ready; otherwise what is missing, e.g. "caches not synced: pods". */
  notReadyReasons(): string[];
}

function send(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = contentType === 'application/json' ? `${JSON.stringify(body)}\n` : String(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(text);
}

function route(
  handlers: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void> | void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handler = handlers[path];
    if (!handler) return send(res, 404, { error: `no route for ${path}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, { error: `${req.method} is not allowed on ${path}` });
    }
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  };
}

export function createApiServer(
  sources: readonly HealthSource[],
  readiness: Readiness,
  api?: RequestHandler,
): Server {
  const health = route({
    '/healthz': (_req, res) => send(res, 200, 'ok\n', 'text/plain'),
    '/readyz': (_req, res) => {
      const reasons = readiness.notReadyReasons();
      if (reasons.length === 0) send(res, 200, 'ok\n', 'text/plain');
      else send(res, 503, `not ready: ${reasons.join('; ')}\n`, 'text/plain');
    },
    '/api/v1/health': async (_req, res) => {
      const summary = await summarize(sources);
      send(res, summary.status === 'down' ? 503 : 200, summary);
    },
  });
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (api && !(HEALTH_ROUTES as readonly string[]).includes(path)) api(req, res);
    else health(req, res);
  });
}

export function createMetricsServer(registry: Registry): Server {
  return createServer(
    route({
      '/metrics': async (_req, res) => {
        const body = await registry.metrics();
        send(res, 200, body, registry.contentType);
      },
    }),
  );
}

export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
