/**
 * The HTTP side of `npm run bench:sandbox`: a keep-alive JSON client that counts its requests, and watch
 * connections that count events by type without parsing the objects (the client should stay cheap).
 */
import { Agent, type IncomingMessage, request } from 'node:http';

export interface Reply {
  status: number;
  body: string;
}

export class BenchClient {
  private readonly agent: Agent;
  private readonly base: URL;
  requests = 0;

  constructor(
    url: string,
    private readonly token: string,
    concurrency: number,
  ) {
    this.base = new URL(url);
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  }

  /** Requests sent again after the server reset an idle keep-alive connection they were written to. */
  resets = 0;

  async send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
    this.requests++;
    for (;;) {
      try {
        return await this.attempt(method, path, body, contentType);
      } catch (err) {
        // A busy server can let its keep-alive timer (5 s) close a connection the next request was already
        // written to: it never read that request, so sending it again is safe. Anything else is a failure.
        if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET' || this.resets >= 1000) throw err;
        this.resets++;
      }
    }
  }

  private attempt(method: string, path: string, body: unknown, contentType: string): Promise<Reply> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(text === undefined
              ? {}
              : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  }

  /** Sends and insists on one of the expected statuses; returns the parsed body. */
  async expect(status: number[], method: string, path: string, body?: unknown, contentType?: string) {
    const reply = await this.send(method, path, body, contentType);
    if (!status.includes(reply.status)) {
      throw new Error(`${method} ${path} answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    }
    return JSON.parse(reply.body) as { metadata?: { uid?: string }; items?: unknown[] };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** One open watch; `counts` holds how many events of each type arrived. */
export class CountingWatch {
  readonly counts: Record<string, number> = {};
  private rest = '';

  private constructor(private readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => this.consume(chunk));
    res.on('error', () => {
      this.counts.CONNECTION_ERROR = (this.counts.CONNECTION_ERROR ?? 0) + 1;
    });
  }

  static open(url: string, token: string, path: string): Promise<CountingWatch> {
    const base = new URL(url);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path,
          headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`watch ${path} answered ${res.statusCode}`));
          else resolve(new CountingWatch(res));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  count(type: string): number {
    return this.counts[type] ?? 0;
  }

  close(): void {
    this.res.destroy();
  }

  private consume(chunk: string): void {
    const lines = (this.rest + chunk).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) {
      const type = /^\{"type":"(\w+)"/.exec(line)?.[1] ?? 'UNPARSED';
      this.counts[type] = (this.counts[type] ?? 0) + 1;
    }
  }
}
