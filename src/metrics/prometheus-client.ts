import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { InternalAxiosRequestConfig } from 'axios';
import { type BulkheadPolicy, bulkhead } from 'cockatiel';
import { PrometheusDriver, type QueryResult } from 'prometheus-query';
import { z } from 'zod';
import {
  type InstantSample,
  PrometheusQueryError,
  type PromQueryApi,
  type RangeSeries,
} from './prometheus-api.js';

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

// Shapes of what prometheus-query hands back after parsing the HTTP body. The driver types results as `any`,
// so this is where PromQL results enter the program and where they are validated.
const labelsSchema = z.record(z.string(), z.string());
const metricSchema = z.object({ name: z.string().optional(), labels: labelsSchema }).nullable();
// NaN is a legitimate PromQL value (0/0; the driver also parses "+Inf"/"-Inf" to NaN). It must reach the
// builder, which reports it as a not_finite feature; z.number() would reject it and fail the whole cycle.
const promNumber = z.custom<number>((v) => typeof v === 'number', 'expected a number');
const sampleSchema = z.object({ time: z.date(), value: promNumber });
const instantSchema = z.object({ metric: metricSchema, value: sampleSchema });
const rangeSchema = z.object({ metric: metricSchema, values: z.array(sampleSchema) });

/**
 * Validates and converts one series at a time: parsing the whole array at once would keep three copies of a
 * 10,000-series result alive together (driver objects, zod's copy, ours) and raise the peak memory.
 */
function convertEach<S extends z.ZodType, T>(
  items: unknown[],
  schema: S,
  query: string,
  convert: (s: z.infer<S>) => T,
): T[] {
  const out: T[] = [];
  for (const [i, item] of items.entries()) {
    const parsed = schema.safeParse(item);
    if (!parsed.success) {
      throw new PrometheusQueryError(
        'invalid_response',
        `result ${i} of "${query}": ${parsed.error.message}`,
      );
    }
    out.push(convert(parsed.data));
  }
  return out;
}
const driverErrorSchema = z.object({
  status: z.literal('error'),
  errorType: z.string(),
  error: z.unknown().optional(),
  httpStatus: z.number().optional(),
  prometheus: z.object({ errorType: z.string().optional(), error: z.string().optional() }).optional(),
});
const bodyWarningsSchema = z.object({ warnings: z.array(z.string()).optional() });

function labelsOf(metric: z.infer<typeof metricSchema>): Record<string, string> {
  if (!metric) return {};
  return metric.name === undefined ? metric.labels : { __name__: metric.name, ...metric.labels };
}

function classify(err: unknown): PrometheusQueryError {
  if (err instanceof PrometheusQueryError) return err;
  const parsed = driverErrorSchema.safeParse(err);
  if (!parsed.success) {
    return new PrometheusQueryError('invalid_response', err instanceof Error ? err.message : String(err));
  }
  const e = parsed.data;
  const message = typeof e.error === 'string' ? e.error : e.errorType;
  switch (e.errorType) {
    case 'timeout_error':
      return new PrometheusQueryError('timeout', message);
    case 'network_error':
    case 'ssl_error':
      return new PrometheusQueryError('unreachable', message);
    case 'http_error':
      // Prometheus reports its own evaluation timeout as errorType "timeout" with HTTP 503.
      if (e.prometheus?.errorType === 'timeout')
        return new PrometheusQueryError('timeout', message, e.httpStatus);
      if (e.prometheus?.errorType === 'bad_data' || e.prometheus?.errorType === 'execution') {
        return new PrometheusQueryError('query_error', message, e.httpStatus);
      }
      return new PrometheusQueryError('http_error', message, e.httpStatus);
    default:
      return new PrometheusQueryError('invalid_response', message, e.httpStatus);
  }
}

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
 * prometheus-query's PrometheusDriver with the production options it lacks, added through its own hooks:
 * the request interceptor adds Thanos parameters, the bearer token and the TLS agent; the response interceptor
 * collects warnings (the driver reads them from the wrong place); a cockatiel bulkhead caps concurrency.
 */
export class PrometheusClient implements PromQueryApi {
  private readonly driver: PrometheusDriver;
  private readonly limiter: BulkheadPolicy;
  private readonly serverTimeout: string;
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
    const token = options.bearerTokenFile ? new TokenFile(options.bearerTokenFile) : undefined;
    const httpsAgent = new HttpsAgent({
      keepAlive: true,
      rejectUnauthorized: options.insecureSkipTlsVerify !== true,
      ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
    });
    const httpAgent = new HttpAgent({ keepAlive: true });
    const thanos = options.thanos;
    this.serverTimeout = `${Math.max(1, Math.ceil(options.timeoutMs / 1000))}s`;
    this.limiter = bulkhead(options.maxConcurrency, Number.POSITIVE_INFINITY);
    this.driver = new PrometheusDriver({
      endpoint: options.url,
      baseURL: '/api/v1/',
      timeout: options.timeoutMs,
      // POST keeps long selectors out of URLs; Prometheus and Thanos Querier both accept it on query endpoints.
      preferPost: true,
      requestInterceptor: {
        onFulfilled: async (config: InternalAxiosRequestConfig) => {
          config.httpAgent = httpAgent;
          config.httpsAgent = httpsAgent;
          if (token) config.headers.set('Authorization', `Bearer ${await token.token()}`);
          if (thanos) {
            const form = config.data instanceof URLSearchParams ? config.data : config.params;
            if (form instanceof URLSearchParams) {
              form.set('dedup', String(thanos.dedup));
              form.set('partial_response', String(thanos.partialResponse));
            }
          }
          return config;
        },
      },
      responseInterceptor: {
        onFulfilled: (response) => {
          const body = bodyWarningsSchema.safeParse(response.data);
          if (body.success && body.data.warnings) this.warnings.push(...body.data.warnings);
          return response;
        },
      },
    });
  }

  // Times go to the driver as Date objects: it treats a numeric 0 as "not given" and substitutes now.
  async instant(query: string, atMs: number): Promise<InstantSample[]> {
    const result = await this.run(() => this.driver.instantQuery(query, new Date(atMs), this.serverTimeout));
    if (result.resultType !== 'vector') {
      throw new PrometheusQueryError(
        'invalid_response',
        `expected a vector for "${query}", got ${result.resultType}`,
      );
    }
    const items: unknown[] = result.result;
    return convertEach(items, instantSchema, query, (s) => ({
      labels: labelsOf(s.metric),
      value: s.value.value,
    }));
  }

  async range(query: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeSeries[]> {
    const result = await this.run(() =>
      this.driver.rangeQuery(query, new Date(startMs), new Date(endMs), stepSeconds, this.serverTimeout),
    );
    if (result.resultType !== 'matrix') {
      throw new PrometheusQueryError(
        'invalid_response',
        `expected a matrix for "${query}", got ${result.resultType}`,
      );
    }
    const items: unknown[] = result.result;
    return convertEach(items, rangeSchema, query, (s) => ({
      labels: labelsOf(s.metric),
      times: s.values.map((v) => v.time.getTime()),
      values: s.values.map((v) => v.value),
    }));
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

  private async run(call: () => Promise<QueryResult>): Promise<QueryResult> {
    this.waiting++;
    try {
      return await this.limiter.execute(async () => {
        this.waiting--;
        this.active++;
        try {
          return await call();
        } finally {
          this.active--;
        }
      });
    } catch (err) {
      throw classify(err);
    }
  }
}
