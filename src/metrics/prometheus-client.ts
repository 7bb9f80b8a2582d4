import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { type BulkheadPolicy, bulkhead } from 'cockatiel';
import {
  type InstantSample,
  PrometheusQueryError,
  type PromQueryApi,
  type RangeSeries,
} from './prometheus-api.js';
import { httpFailure, readMatrixSliced, readVectorSliced, visitMatrixSliced } from './prometheus-response.js';

export interface ThanosOptions {
  /** Sends `dedup=true` so Thanos Querier merges replicas of HA Prometheus pairs. */
  readonly dedup: boolean;
  /** `partial_response`: true lets Thanos answer when a store is down (with warnings); false makes it fail. */
  readonly partialResponse: boolean;
}

export interface PrometheusClientOptions {
  readonly url: string;
  /** Client-side deadline per request; also sent as Prometheus's own `timeout` so the server stops working too. */
  readonly timeoutMs: number;
  /** Cap on queries in flight at once (a cockatiel bulkhead; the rest wait in its queue). */
  readonly maxConcurrency: number;
  readonly thanos?: ThanosOptions;
  /** Read before each request when it changed on disk, so a rotated service-account token is picked up. */
  readonly bearerTokenFile?: string;
  /** PEM CA bundle; when set it replaces the system CAs for this server (verification stays on). */
  readonly caFile?: string;
  /** Off by default; turning it on is an explicit operator decision. */
  readonly insecureSkipTlsVerify?: boolean;
}

/**
 * How long a connection to Prometheus may stay idle: longer than the default 30 s evaluation interval, so one
 * cycle's connections serve the next; shorter than the idle timeouts of Prometheus (its read timeout, 5 min by
 * default) and of the proxies and load balancers usually in front of it or of Thanos (60 s and more).
 */
export const PROMETHEUS_IDLE_TIMEOUT_MS = 45_000;

/** A transport failure (no HTTP answer): a timeout, or a server that could not be reached (refused, DNS, TLS). */
function transportFailure(err: unknown): PrometheusQueryError {
  if (err instanceof PrometheusQueryError) return err;
  const code = isAxiosError(err) ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return new PrometheusQueryError('timeout', message);
  return new PrometheusQueryError('unreachable', message);
}

/** An error answer's body, when it is JSON (Prometheus explains its errors there); undefined otherwise. */
function parsedOrUndefined(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
}

const rangeForm = (query: string, startMs: number, endMs: number, stepSeconds: number) => ({
  query,
  start: String(startMs / 1000),
  end: String(endMs / 1000),
  step: String(stepSeconds),
});

/** Caches a token file's content and re-reads it only when its mtime or size changes (projected tokens rotate). */
class TokenFile {
  private cached?: { mtimeMs: number; size: number; token: string };
  constructor(private readonly path: string) {}
  async token(): Promise<string> {
    const info = await stat(this.path);
    if (!this.cached || this.cached.mtimeMs !== info.mtimeMs || this.cached.size !== info.size) {
      const token = (await readFile(this.path, 'utf8')).trim();
      this.cached = { mtimeMs: info.mtimeMs, size: info.size, token };
    }
    return this.cached.token;
  }
}

/**
 * The Prometheus (or Thanos Querier) HTTP API for the feature builder: instant and range queries as POST forms
 * (long selectors never hit URL limits) with the production options, a bearer token re-read when rotated, Thanos
 * `dedup`/`partial_response`, a CA bundle, a deadline sent to the server too, and a cockatiel bulkhead capping the
 * queries in flight. Answers are read by prometheus-response.ts: envelope checked once, then numbers.
 */
export class PrometheusClient implements PromQueryApi {
  private readonly http: AxiosInstance;
  private readonly limiter: BulkheadPolicy;
  private readonly serverTimeout: string;
  private readonly token: TokenFile | undefined;
  private readonly thanos: ThanosOptions | undefined;
  private warnings: string[] = [];
  private active = 0;
  private waiting = 0;

  constructor(options: PrometheusClientOptions) {
    if (!/^https?:\/\//.test(options.url)) {
      throw new Error(`prometheus url "${options.url}" must start with http:// or https://`);
    }
    if (!(options.timeoutMs > 0)) throw new Error(`timeoutMs must be positive, got ${options.timeoutMs}`);
    if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1) {
      throw new Error(`maxConcurrency must be an integer >= 1, got ${options.maxConcurrency}`);
    }
    this.token = options.bearerTokenFile ? new TokenFile(options.bearerTokenFile) : undefined;
    this.thanos = options.thanos;
    this.serverTimeout = `${Math.max(1, Math.ceil(options.timeoutMs / 1000))}s`;
    this.limiter = bulkhead(options.maxConcurrency, Number.POSITIVE_INFINITY);
    this.http = axios.create({
      baseURL: `${options.url.replace(/\/$/, '')}/api/v1/`,
      timeout: options.timeoutMs,
      // An idle connection is closed by us first (a query sent on one the server is closing fails with ECONNRESET):
      // after PROMETHEUS_IDLE_TIMEOUT_MS, or a second before a shorter timeout the server advertises, which Node
      // 20's agent honours only when it has a timeout of its own.
      httpAgent: new HttpAgent({ keepAlive: true, timeout: PROMETHEUS_IDLE_TIMEOUT_MS }),
      httpsAgent: new HttpsAgent({
        keepAlive: true,
        timeout: PROMETHEUS_IDLE_TIMEOUT_MS,
        rejectUnauthorized: options.insecureSkipTlsVerify !== true,
        ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
      }),
      // Every HTTP status is an answer to read: Prometheus explains its errors in the body.
      validateStatus: () => true,
      maxContentLength: Number.POSITIVE_INFINITY,
      maxRedirects: 0,
    });
  }

  async instant(query: string, atMs: number): Promise<InstantSample[]> {
    const body = await this.post('query', { query, time: String(atMs / 1000) });
    const { samples, warnings } = await readVectorSliced(body, query);
    this.warnings.push(...warnings);
    return samples;
  }

  async range(query: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeSeries[]> {
    const body = await this.post('query_range', rangeForm(query, startMs, endMs, stepSeconds));
    const { series, warnings } = await readMatrixSliced(body, query);
    this.warnings.push(...warnings);
    return series;
  }

  async rangeEach(
    query: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
    visit: (series: RangeSeries) => void,
  ): Promise<void> {
    const body = await this.post('query_range', rangeForm(query, startMs, endMs, stepSeconds));
    const { warnings } = await visitMatrixSliced(body, query, visit);
    this.warnings.push(...warnings);
  }

  drainWarnings(): string[] {
    const out = this.warnings;
    this.warnings = [];
    return out;
  }

  /** Queries on the wire and queries held back by the concurrency cap, for diagnostics. */
  load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting };
  }

  private async send(endpoint: string, form: URLSearchParams) {
    // Uncompressed: at 10,000 pods a cycle reads ~7 MB of answers, and inflating them cost the engine more CPU
    // (and Prometheus compressing them) than parsing them; the bytes are nothing for a cluster network.
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Accept-Encoding': 'identity',
    };
    if (this.token) headers.Authorization = `Bearer ${await this.token.token()}`;
    // The body as bytes: prometheus-response.ts reads them without JSON.parse's object per sample.
    return this.http.post<Buffer>(endpoint, form, {
      headers,
      responseType: 'arraybuffer',
      transformResponse: (data: unknown) => data,
    });
  }

  /** One query through the bulkhead; resolves with the bytes of a 2xx answer's body. */
  private async post(endpoint: string, params: Record<string, string>): Promise<Uint8Array> {
    const form = new URLSearchParams({ ...params, timeout: this.serverTimeout });
    if (this.thanos) {
      form.set('dedup', String(this.thanos.dedup));
      form.set('partial_response', String(this.thanos.partialResponse));
    }
    this.waiting++;
    let waited = true;
    try {
      return await this.limiter.execute(async () => {
        this.waiting--;
        waited = false;
        this.active++;
        try {
          const res = await this.send(endpoint, form).catch((err: unknown) => {
            throw transportFailure(err);
          });
          if (res.status < 200 || res.status >= 300) {
            throw httpFailure(res.status, res.statusText, parsedOrUndefined(res.data));
          }
          return res.data;
        } finally {
          this.active--;
        }
      });
    } finally {
      if (waited) this.waiting--;
    }
  }
}
