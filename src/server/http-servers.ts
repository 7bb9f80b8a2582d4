import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { type HealthSource, summarize } from './health.js';
import { INVALID_REQUEST_TARGET, requestUrl } from './request-url.js';

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
    const path = requestUrl(req)?.pathname;
    if (path === undefined) return send(res, 400, INVALID_REQUEST_TARGET);
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

/** What the servers report once the engine is built; until then they answer as a process that is starting. */
export interface EngineView {
  sources: readonly HealthSource[];
  readiness: Readiness;
  registry: Registry;
  /** The REST API and webhook (src/api/): every path of the API port other than the health routes. */
  api?: RequestHandler;
}

/** Health while the engine is being built (modules loading, caches not created yet): alive, not ready. */
const STARTING: HealthSource = {
  name: 'engine',
  critical: true,
  check: () => ({ status: 'down', message: 'starting' }),
};

export function createApiServer(view: () => EngineView | undefined): Server {
  const health = route({
    // Liveness: the process answers. Nothing here may wait on a dependency, or a hung one gets the pod killed.
    '/healthz': (_req, res) => send(res, 200, 'ok\n', 'text/plain'),
    '/readyz': (_req, res) => {
      const reasons = view()?.readiness.notReadyReasons() ?? ['starting'];
      if (reasons.length === 0) send(res, 200, 'ok\n', 'text/plain');
      else send(res, 503, `not ready: ${reasons.join('; ')}\n`, 'text/plain');
    },
    '/api/v1/health': async (_req, res) => {
      const summary = await summarize(view()?.sources ?? [STARTING]);
      send(res, summary.status === 'down' ? 503 : 200, summary);
    },
  });
  return createServer((req, res) => {
    const path = requestUrl(req)?.pathname;
    if (path === undefined) return send(res, 400, INVALID_REQUEST_TARGET);
    if ((HEALTH_ROUTES as readonly string[]).includes(path)) return health(req, res);
    const api = view()?.api;
    if (api) return api(req, res);
    // The REST API exists once the engine is built; until then a client is told to come back, not 404.
    res.setHeader('Retry-After', '1');
    send(res, 503, { code: 'Starting', message: 'the engine is starting; retry shortly' });
  });
}

export function createMetricsServer(view: () => EngineView | undefined): Server {
  return createServer(
    route({
      '/metrics': async (_req, res) => {
        const registry = view()?.registry;
        if (!registry) return send(res, 503, 'starting\n', 'text/plain');
        send(res, 200, await registry.metrics(), registry.contentType);
      },
    }),
  );
}

/**
 * The API and metrics servers, listening before anything slow happens (loading the Kubernetes client, checking
 * dependencies), so /healthz answers within a second of the process starting whatever the dependencies do.
 * attach() hands them the engine's health sources, readiness and metrics once it exists.
 */
export class EngineEndpoints {
  private constructor(
    private readonly state: { view?: EngineView },
    readonly api: Server,
    readonly metrics: Server,
    readonly apiPort: number,
    readonly metricsPort: number,
  ) {}

  static async listen(apiPort: number, metricsPort: number): Promise<EngineEndpoints> {
    const state: { view?: EngineView } = {};
    const api = createApiServer(() => state.view);
    const metrics = createMetricsServer(() => state.view);
    try {
      const ports = [await listen(api, apiPort), await listen(metrics, metricsPort)] as const;
      return new EngineEndpoints(state, api, metrics, ...ports);
    } catch (error) {
      await Promise.all([close(api), close(metrics)]);
      throw error;
    }
  }

  attach(view: EngineView): void {
    this.state.view = view;
  }

  async close(): Promise<void> {
    await Promise.all([close(this.api), close(this.metrics)]);
  }
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
