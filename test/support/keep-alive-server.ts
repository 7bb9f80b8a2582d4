import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How one connection to a KeepAliveServer ended: who closed it, and how long it had been idle then. */
export interface ConnectionClose {
  readonly by: 'client' | 'server';
  readonly idleMs: number;
}

export interface KeepAliveServer {
  readonly url: string;
  readonly closes: readonly ConnectionClose[];
  stop(): Promise<void>;
}

/**
 * An HTTP server that answers every request with `body` as JSON and closes idle connections after
 * `keepAliveSeconds`, advertising it (`Keep-Alive: timeout=N`, as Node's server does). Whoever closes a connection
 * first is the one the other side sees end: 'end' on the server's socket before 'close' means the client did.
 */
export async function startKeepAliveServer(
  keepAliveSeconds: number,
  body: unknown,
): Promise<KeepAliveServer> {
  const closes: ConnectionClose[] = [];
  const idleSince = new WeakMap<Socket, number>();
  const server = createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.on('finish', () => idleSince.set(req.socket, Date.now()));
    res.end(JSON.stringify(body));
  });
  server.keepAliveTimeout = keepAliveSeconds * 1000;
  server.on('connection', (socket: Socket) => {
    let ended = false;
    socket.on('end', () => {
      ended = true;
    });
    socket.on('close', () =>
      closes.push({ by: ended ? 'client' : 'server', idleMs: Date.now() - (idleSince.get(socket) ?? 0) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    closes,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
