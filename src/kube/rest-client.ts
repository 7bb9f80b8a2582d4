import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  RequestContext,
  Watch,
} from '@kubernetes/client-node';
import { KeepAliveAgents } from './keep-alive-agents.js';

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
 * A thin JSON client for the Kubernetes API, transported entirely by @kubernetes/client-node:
 * - plain requests use client-node's own HTTP layer (RequestContext, the kubeconfig as authentication,
 *   IsomorphicFetchHttpLibrary), i.e. what its typed APIs do minus their model (de)serialisation. The typed APIs
 *   and KubernetesObjectApi would turn timestamps into Date objects and rename fields, while the engine compares
 *   statuses as JSON and sends merge patches, so objects must stay plain JSON end to end;
 * - watches use client-node's Watch (streaming, line splitting, abort).
 * This class adds what the controller needs on top: per-request timeouts, caller cancellation, and KubeApiError.
 */
export class KubeRest {
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly agents = new KeepAliveAgents();
  private readonly watcher: Watch;

  constructor(
    private readonly kc: KubeConfig,
    private readonly defaultTimeoutMs = 30_000,
  ) {
    this.watcher = new Watch(kc);
  }

  get server(): string {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    return cluster.server;
  }

  async request<T = unknown>(req: KubeRequest): Promise<T> {
    const timeoutMs = req.timeoutMs ?? this.defaultTimeoutMs;
    const context = new RequestContext(this.server.replace(/\/$/, '') + req.path, HttpMethod[req.method]);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) context.setQueryParam(key, String(value));
    }
    context.setHeaderParam('Accept', 'application/json');
    if (req.body !== undefined) {
      context.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
      context.setBody(JSON.stringify(req.body));
    }
    await this.kc.applySecurityAuthentication(context);
    const agent = context.getAgent();
    if (agent) context.setAgent(this.agents.reuse(agent));

    // One deadline covers connect, headers and body, so a hung API server cannot stall a caller (e.g. a lease renew).
    const deadline = new AbortController();
    const timer = timeoutMs > 0 ? setTimeout(() => deadline.abort(), timeoutMs) : undefined;
    context.setSignal(req.signal ? AbortSignal.any([req.signal, deadline.signal]) : deadline.signal);
    try {
      const res = await this.http.send(context).toPromise();
      const text = await res.body.text();
      const parsed = text.length > 0 ? safeJson(text) : undefined;
      if (res.httpStatusCode >= 400) throw toApiError(res.httpStatusCode, parsed, text, req);
      return parsed as T;
    } catch (error) {
      if (deadline.signal.aborted && !(error instanceof KubeApiError)) {
        throw new Error(`${req.method} ${req.path} timed out after ${timeoutMs} ms`);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs a watch: calls onObject with every event line ({type, object}), onOpen once the server accepted the watch.
   * Resolves when the server ends the stream, rejects on a transport error or when req.signal aborts, and throws
   * KubeApiError when the server refuses the watch with an HTTP error. Only GET and the path/query/signal of req
   * are used; there is no timeout (the informer's watchdog and the server's timeoutSeconds bound a watch).
   */
  stream(req: KubeRequest, onObject: (value: unknown) => void, onOpen?: () => void): Promise<void> {
    // client-node's Watch sets watch=true itself.
    const { watch: _watch, ...query } = req.query ?? {};
    return new Promise<void>((resolve, reject) => {
      let finished = false;
      let controller: AbortController | undefined;
      const finish = (error: unknown) => {
        if (finished) return;
        finished = true;
        req.signal?.removeEventListener('abort', onAbort);
        controller?.abort();
        if (error === undefined) resolve();
        else reject(error);
      };
      // Watch hands out its AbortController only once the response headers arrived (kubernetes-client/javascript
      // #2860), so the caller's signal settles this promise by itself (stop() and the silent-watch watchdog must not
      // wait for headers) and the connection is aborted as soon as the controller exists.
      const onAbort = () => finish(new Error(`watch ${req.path} aborted`));
      if (req.signal?.aborted) {
        onAbort();
        return;
      }
      req.signal?.addEventListener('abort', onAbort, { once: true });
      this.watcher
        .watch(
          req.path,
          query,
          (_type: string, _object: unknown, line: unknown) => {
            if (!finished) onObject(line);
          },
          (error: unknown) => finish(error ? toWatchError(error, req) : undefined),
        )
        .then(
          (started) => {
            controller = started;
            if (finished) started.abort();
            else onOpen?.();
          },
          (error: unknown) => finish(error ?? new Error(`watch ${req.path} failed`)),
        );
    });
  }
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

/**
 * Watch reports a refused watch as an Error carrying statusCode and the HTTP status text; it does not read the
 * Status body, so reason falls back to the status code (as toApiError does for a body without reason) and body
 * stays undefined. Everything else (connection refused, reset, aborted) is a transport error and passes through.
 */
function toWatchError(error: unknown, req: KubeRequest): unknown {
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode !== 'number' || statusCode < 400) return error;
  const text = error instanceof Error ? error.message : String(statusCode);
  return new KubeApiError(statusCode, String(statusCode), `GET ${req.path} (watch): ${statusCode} ${text}`);
}
