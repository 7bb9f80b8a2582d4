import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

export interface SeenRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: URLSearchParams;
}

export interface FakePrometheusApi {
  readonly url: string;
  readonly seen: SeenRequest[];
  /** The JSON body every query answers with, or a function of the request path that returns it. */
  reply: unknown;
  close(): Promise<void>;
}

/**
 * A stand-in speaking only what real Prometheus cannot be made to produce on demand (Thanos warnings, malformed
 * bodies) and recording what the client sends (headers, Thanos parameters). Everything else uses real Prometheus.
 */
export async function startFakePrometheusApi(tls?: {
  key: Buffer;
  cert: Buffer;
}): Promise<FakePrometheusApi> {
  const seen: SeenRequest[] = [];
  const state: { reply: unknown } = {
    reply: { status: 'success', data: { resultType: 'vector', result: [] } },
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = new URLSearchParams(Buffer.concat(chunks).toString());
      for (const [k, v] of url.searchParams) body.append(k, v);
      seen.push({ path: url.pathname, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(typeof state.reply === 'function' ? state.reply(url.pathname) : state.reply));
    });
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    get reply() {
      return state.reply;
    },
    set reply(v: unknown) {
      state.reply = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
