/**
 * The mock ML server: both contracts, /health, /metrics, fault injection and request counting.
 *   GET  /control/requests   per-path request counts and KServe batch sizes (what reached the server)
 *   DELETE /control/requests resets them
 *   GET|POST|DELETE /control/faults   read, replace, clear the fault spec (faults.ts)
 *   GET|POST /control/models          read or patch encoding, max batch size, model names
 *   GET|DELETE /control/feedback      the feedback examples received (POST /api/v1/feedback), oldest first; reset
 * /control/* is never faulted and never counted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Counter, Histogram, Registry } from 'prom-client';
import type { FeedbackExample } from '../../src/remediation/feedback-example.js';
import { FaultInjector, type FaultSpec, FaultSpecSchema, faultsFromEnv, spoil } from './faults.js';
import { MAX_FEEDBACK_KEPT, receiveFeedback } from './feedback-route.js';
import { HttpError, readJson, sendError, sendJson, sendText } from './http-io.js';
import {
  anomalyDetect,
  kserveModel,
  kserveModels,
  kservePredict,
  type ModelSettings,
  ModelSettingsPatchSchema,
  patternAnalyze,
  predictionPredict,
  type RouteResult,
} from './model-routes.js';

export interface MockMlServerOptions {
  port?: number;
  host?: string;
  models?: Partial<ModelSettings>;
  /** Initial faults; defaults to the MOCK_ML_* environment variables. */
  faults?: FaultSpec;
}

export interface RequestCounts {
  total: number;
  /** TCP connections accepted: with keep-alive, far fewer than requests. */
  connections: number;
  byPath: Record<string, number>;
  /** Sizes of the `instances` batches received by KServe predict, in arrival order (last 1000). */
  kserveBatchSizes: number[];
  /** REST anomaly detections by their context, `namespace/resource`: whose vectors were scored. */
  anomalyContexts: Record<string, number>;
}

export interface MockMlServer {
  url: string;
  port: number;
  faults: FaultInjector;
  settings: ModelSettings;
  counts(): RequestCounts;
  resetCounts(): void;
  /** The feedback examples received and accepted, oldest first (the last MAX_FEEDBACK_KEPT). */
  feedback(): FeedbackExample[];
  resetFeedback(): void;
  close(): Promise<void>;
}

export const DEFAULT_MODEL_SETTINGS: ModelSettings = {
  encoding: 'sklearn',
  maxBatchSize: Number.MAX_SAFE_INTEGER,
  models: ['anomaly-detector'],
  modelName: undefined,
  untrained: false,
};

function emptyCounts(): RequestCounts {
  return { total: 0, connections: 0, byPath: {}, kserveBatchSizes: [], anomalyContexts: {} };
}

const KSERVE_PREDICT = /^\/v1\/models\/([^/]+):predict$/;
const KSERVE_MODEL = /^\/v1\/models\/([^/:]+)$/;

export async function startMockMlServer(options: MockMlServerOptions = {}): Promise<MockMlServer> {
  const settings: ModelSettings = { ...DEFAULT_MODEL_SETTINGS, ...options.models };
  const faults = new FaultInjector(options.faults ?? faultsFromEnv(process.env));
  const registry = new Registry();
  const requestsTotal = new Counter({
    name: 'mock_ml_requests_total',
    help: 'Requests by route and status',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'mock_ml_request_duration_seconds',
    help: 'Request handling time by route',
    labelNames: ['route'],
    registers: [registry],
  });
  const instancesTotal = new Counter({
    name: 'mock_ml_kserve_instances_total',
    help: 'KServe instances received',
    registers: [registry],
  });
  let counts = emptyCounts();
  let feedback: FeedbackExample[] = [];

  const route = async (req: IncomingMessage, path: string): Promise<RouteResult & { name: string }> => {
    const method = req.method ?? 'GET';
    if (method === 'POST' && path === '/api/v1/anomaly/detect') {
      const result = await anomalyDetect(req, settings, (context) => {
        counts.anomalyContexts[context] = (counts.anomalyContexts[context] ?? 0) + 1;
      });
      return { name: 'anomaly_detect', ...result };
    }
    if (method === 'POST' && path === '/api/v1/prediction/predict') {
      return { name: 'prediction_predict', ...(await predictionPredict(req)) };
    }
    if (method === 'POST' && path === '/api/v1/pattern/analyze')
      return { name: 'pattern_analyze', ...(await patternAnalyze(req)) };
    if (method === 'POST' && path === '/api/v1/feedback') {
      const example = await receiveFeedback(req);
      feedback.push(example);
      if (feedback.length > MAX_FEEDBACK_KEPT) feedback.shift();
      return { name: 'feedback', status: 202, body: { status: 'accepted' } };
    }
    if (method === 'GET' && path === '/health') {
      return { name: 'health', status: 200, body: { status: 'healthy', models: settings.models } };
    }
    if (method === 'GET' && path === '/v1/models')
      return { name: 'kserve_models', ...kserveModels(settings) };
    const predict = KSERVE_PREDICT.exec(path);
    if (method === 'POST' && predict) {
      const model = decodeURIComponent(predict[1] as string);
      const result = await kservePredict(req, model, settings, (size) => {
        counts.kserveBatchSizes.push(size);
        if (counts.kserveBatchSizes.length > 1000) counts.kserveBatchSizes.shift();
        instancesTotal.inc(size);
      });
      return { name: 'kserve_predict', ...result };
    }
    const model = KSERVE_MODEL.exec(path);
    if (method === 'GET' && model)
      return { name: 'kserve_model', ...kserveModel(decodeURIComponent(model[1] as string), settings) };
    return { name: 'not_found', status: 404, body: { error: `no route for ${method} ${path}` } };
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const method = req.method ?? 'GET';
    if (path === '/control/requests') {
      if (method === 'GET') return sendJson(res, 200, counts);
      if (method === 'DELETE') {
        counts = emptyCounts();
        return sendJson(res, 200, counts);
      }
    }
    if (path === '/control/feedback') {
      if (method === 'GET') return sendJson(res, 200, { examples: feedback });
      if (method === 'DELETE') {
        feedback = [];
        return sendJson(res, 200, { examples: feedback });
      }
    }
    if (path === '/control/faults') {
      if (method === 'GET') return sendJson(res, 200, faults.current);
      if (method === 'POST') {
        faults.set(await readJson(req, FaultSpecSchema));
        return sendJson(res, 200, faults.current);
      }
      if (method === 'DELETE') {
        faults.set({});
        return sendJson(res, 200, faults.current);
      }
    }
    if (path === '/control/models') {
      if (method === 'GET') return sendJson(res, 200, settings);
      if (method === 'POST') {
        const { modelName, ...patch } = await readJson(req, ModelSettingsPatchSchema);
        Object.assign(settings, patch);
        // null clears the echoed name (back to serving `models` under their own names).
        if (modelName !== undefined) settings.modelName = modelName ?? undefined;
        return sendJson(res, 200, settings);
      }
    }
    sendError(res, 404, `no control route for ${method} ${path}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://mock').pathname;
    if (path.startsWith('/control/')) return control(req, res, path);
    if (path === '/metrics' && req.method === 'GET') {
      return sendText(res, 200, await registry.metrics(), registry.contentType);
    }
    counts.total++;
    counts.byPath[path] = (counts.byPath[path] ?? 0) + 1;
    const started = performance.now();
    const latency = faults.latencyMs(path);
    if (latency > 0) await delay(latency, undefined, { ref: false });
    const action = faults.decide(path);
    if (action.type === 'hang') return; // never answer; close() destroys the socket
    if (action.type === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (action.type === 'fail') {
      requestsTotal.inc({ route: 'fault', status: String(action.status) });
      return sendError(res, action.status, action.message);
    }
    const result = await route(req, path).catch((err: unknown) => {
      if (!(err instanceof HttpError)) throw err;
      const body =
        err.field === undefined ? { error: err.message } : { error: err.message, field: err.field };
      return { name: 'bad_request', status: err.status, body };
    });
    duration.observe({ route: result.name }, (performance.now() - started) / 1000);
    requestsTotal.inc({ route: result.name, status: String(result.status) });
    if (action.type === 'malformed' && result.status < 300) {
      return sendText(res, result.status, spoil(result.body, action.mode));
    }
    sendJson(res, result.status, result.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendError(res, err.status, err.message, err.field);
      sendError(res, 500, err instanceof Error ? err.message : String(err));
    });
  });
  server.on('connection', () => {
    counts.connections++;
  });
  server.keepAliveTimeout = 95_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    faults,
    settings,
    counts: () => structuredClone(counts),
    resetCounts: () => {
      counts = emptyCounts();
    },
    feedback: () => structuredClone(feedback),
    resetFeedback: () => {
      feedback = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
