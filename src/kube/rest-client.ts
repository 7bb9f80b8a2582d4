import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';

/** An error answer from the API server, with the HTTP status and the Status reason callers branch on. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly body: unknown = undefined,
  ) {
    super(message);
  }
}

export function isStatus(error: unknown, status: number): boolean {
  return error instanceof KubeApiError && error.status === status;
}

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A thin JSON client for the Kubernetes API. client-node supplies the configuration and credentials (kubeconfig,
 * in-cluster service account, exec plugins, TLS); requests go through node:http so the controller owns timeouts,
 * cancellation and the watch stream, which is what the informer's restart logic needs.
 */
export class KubeRest {
  constructor(
    private readonly kc: KubeConfig,
    private readonly defaultTimeoutMs = 30_000,
  ) {}

  get server(): string {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    return cluster.server;
  }

  async request<T = unknown>(req: KubeRequest): Promise<T> {
    const res = await this.send(req, req.timeoutMs ?? this.defaultTimeoutMs);
    const text = await readBody(res);
    const parsed = text.length > 0 ? safeJson(text) : undefined;
    if ((res.statusCode ?? 0) >= 400) throw toApiError(res.statusCode ?? 0, parsed, text, req);
    return parsed as T;
  }

  /**
   * Streams newline-delimited JSON (a watch). Resolves when the server ends the stream, rejects on a transport
   * error, and throws KubeApiError when the server refuses the watch with an HTTP error.
   */
  async stream(req: KubeRequest, onObject: (value: unknown) => void, onOpen?: () => void): Promise<void> {
    const res = await this.send(req, 0);
    if ((res.statusCode ?? 0) >= 400) {
      const text = await readBody(res);
      throw toApiError(res.statusCode ?? 0, safeJson(text), text, req);
    }
    onOpen?.();
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: res, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (line) => {
        if (line.trim().length === 0) return;
        const value = safeJson(line);
        if (value !== undefined) onObject(value);
      });
      res.on('error', reject);
      lines.on('error', reject);
      res.on('aborted', () => reject(new Error('watch stream aborted')));
      lines.on('close', () => resolve());
    });
  }

  private async send(req: KubeRequest, timeoutMs: number): Promise<http.IncomingMessage> {
    const url = new URL(this.server.replace(/\/$/, '') + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const options: https.RequestOptions = {
      method: req.method,
      headers: {
        Accept: 'application/json',
        ...(body !== undefined
          ? {
              'Content-Type': req.contentType ?? 'application/json',
              'Content-Length': Buffer.byteLength(body),
            }
          : {}),
      },
    };
    await this.kc.applyToHTTPSOptions(options);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { ...options, signal: req.signal }, resolve);
      request.on('error', reject);
      if (timeoutMs > 0) {
        request.setTimeout(timeoutMs, () =>
          request.destroy(new Error(`${req.method} ${req.path} timed out after ${timeoutMs} ms`)),
        );
      }
      request.end(body);
    });
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toApiError(status: number, parsed: unknown, text: string, req: KubeRequest): KubeApiError {
  const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const reason = typeof record.reason === 'string' ? record.reason : String(status);
  const message = typeof record.message === 'string' ? record.message : text.slice(0, 200);
  return new KubeApiError(status, reason, `${req.method} ${req.path}: ${status} ${message}`, parsed);
}
