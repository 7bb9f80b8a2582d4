/**
 * A stand-in for the reference platform's Flask model server, written apart from mock-ml-server (which shares
 * the engine's schemas) so the client is tested against another implementation of what was observed
 * (shared/reference/ml-service.md):
 *   - KServe v1 paths; predictions are booleans (true = anomaly) with `model_name` and `model_version`;
 *   - the model name in the URL is ignored: every path is served, and replies name the model it loaded;
 *   - readiness says `ready: true` even without a trained model; an untrained model then fails every predict
 *     with sklearn's NotFittedError (a 500), or, with `untrained: 'garbage'`, answers a 200 that holds no
 *     predictions;
 *   - more than 10 instances fail with a 500 that does not mention the batch.
 * Its model: a row is an anomaly when the pod's memory is at ≥ 90 % of its limit or its restarts went up.
 * Plain node:http; `requests` records what reached it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { featureIndex } from '../../src/metrics/feature-catalogue.js';

export interface ReferenceServerState {
  /** The model it loaded: named in every reply, whatever the URL says. */
  modelName: string;
  untrained: false | 'fails' | 'garbage';
}

export interface ReceivedRequest {
  method: string;
  path: string;
  /** Widths of the `instances` rows of a predict call. */
  rowWidths?: number[];
}

export interface ReferenceServer {
  url: string;
  state: ReferenceServerState;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

const MAX_INSTANCES = 10;
const MEMORY = featureIndex('pod_memory_usage.value');
const RESTARTS = featureIndex('container_restart_count.diff');

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
}

export async function startReferenceServer(
  initial: Partial<ReferenceServerState> = {},
): Promise<ReferenceServer> {
  const state: ReferenceServerState = { modelName: 'anomaly-detector', untrained: false, ...initial };
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://reference').pathname;
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const received: ReceivedRequest = { method: req.method ?? 'GET', path };
    requests.push(received);
    if (req.method === 'GET' && /^\/v1\/models\/[^/:]+$/.test(path)) {
      return reply(200, { name: state.modelName, ready: true });
    }
    if (req.method === 'GET' && path === '/v1/models') return reply(200, { models: [state.modelName] });
    if (req.method !== 'POST' || !/^\/v1\/models\/[^/]+:predict$/.test(path)) {
      return reply(404, { error: 'Not Found' });
    }
    body(req)
      .then((payload) => {
        const instances = (payload as { instances?: number[][] } | null)?.instances ?? [];
        received.rowWidths = instances.map((row) => row.length);
        if (instances.length > MAX_INSTANCES) return reply(500, { error: 'Internal Server Error' });
        if (state.untrained === 'fails') {
          return reply(500, {
            error:
              "This IsolationForest instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator.",
          });
        }
        if (state.untrained === 'garbage')
          return reply(200, { predictions: [], model_name: state.modelName });
        const predictions = instances.map((row) => (row[MEMORY] ?? 0) >= 0.9 || (row[RESTARTS] ?? 0) > 0);
        reply(200, { predictions, model_name: state.modelName, model_version: '1' });
      })
      .catch(() => reply(400, { error: 'Bad Request' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
