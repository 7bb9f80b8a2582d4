import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

export interface LoopbackProxy {
  readonly url: string;
  /** Every request that reached the proxy, in arrival order: the ground truth for "queries per cycle". */
  readonly requests: RecordedRequest[];
  /** While true, requests are accepted and then left unanswered (a Prometheus slower than any timeout). */
  stall: boolean;
  /** Count of /api/v1/query and /api/v1/query_range requests. */
  queryCount(): number;
  reset(): void;
  close(): Promise<void>;
}

/** An HTTP proxy on 127.0.0.1:0 in front of a real Prometheus that counts requests and can stall them. */
export async function startLoopbackProxy(targetUrl: string): Promise<LoopbackProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  const state = { stall: false };

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'proxy', error: err.message }));
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        body: body.toString(),
      });
      if (state.stall) return; // never answered; the socket is destroyed on close()
      forward(req, res, body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get stall() {
      return state.stall;
    },
    set stall(v: boolean) {
      state.stall = v;
    },
    queryCount: () =>
      requests.filter((r) => r.path === '/api/v1/query' || r.path === '/api/v1/query_range').length,
    reset: () => {
      requests.length = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
