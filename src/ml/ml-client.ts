/**
 * The one HTTP path to the ML service. Every call goes through, outermost first:
 *   bulkhead (caps concurrent calls and the queue) → retry (transient faults only, exponential backoff with
 *   jitter) → circuit breaker (consecutive service failures) → timeout (per attempt) → axios (keep-alive pool)
 * The breaker sits inside the retry so it counts HTTP attempts: with the service down, `threshold` requests
 * reach it and then none until the half-open trial. Every failure surfaces as an MlCallError with a kind;
 * every response is validated with zod before anyone reads it.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import {
  BrokenCircuitError,
  type BulkheadPolicy,
  BulkheadRejectedError,
  bulkhead,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  decorrelatedJitterGenerator,
  ExponentialBackoff,
  handleWhen,
  type RetryPolicy,
  retry,
  TaskCancelledError,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import type { z } from 'zod';
import type { Logger } from '../log/logger.js';
import type { MlClientConfig } from './ml-config.js';
import { isServiceFailure, isTransient, isWidthMismatchMessage, MlCallError } from './ml-failure.js';
import { BREAKER_STATE_VALUE, type BreakerStateName, type MlMetrics, recordFailure } from './ml-metrics.js';

export interface MlRequest<T> {
  /** Bounded metric label, e.g. "anomaly_detect". */
  endpoint: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  schema: z.ZodType<T>;
  /**
   * Checked on the JSON body before the schema: a reply that is not an answer to what was asked (another model's)
   * is a contract violation, whatever else it holds. Returns why, or undefined when the reply is for us.
   */
  contract?: (body: unknown) => string | undefined;
}

export interface BreakerTransition {
  from: BreakerStateName;
  to: BreakerStateName;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const ERROR_TEXT_LIMIT = 300;

export function breakerStateName(state: CircuitState): BreakerStateName {
  if (state === CircuitState.Open || state === CircuitState.Isolated) return 'open';
  if (state === CircuitState.HalfOpen) return 'half_open';
  return 'closed';
}

export class MlClient {
  private readonly http: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly bulkhead: BulkheadPolicy;
  private readonly retry: RetryPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly timeout: TimeoutPolicy;
  private readonly listeners = new Set<(t: BreakerTransition) => void>();
  private lastState: BreakerStateName = 'closed';

  constructor(
    readonly config: MlClientConfig,
    private readonly metrics: MlMetrics,
    private readonly logger?: Logger,
  ) {
    const agentOptions = {
      keepAlive: true,
      maxSockets: config.poolMaxSocketsPerHost,
      maxTotalSockets: config.poolMaxTotalSockets,
      maxFreeSockets: config.poolMaxIdlePerHost,
      // Node closes a socket after this long without activity; the request timeout is shorter, so in
      // practice this is the idle keep-alive timeout of the ADR.
      timeout: config.poolIdleTimeoutMs,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.http = axios.create({
      baseURL: config.baseUrl,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      proxy: false,
      maxRedirects: 0,
      maxContentLength: MAX_BODY_BYTES,
      // Read the body as text: JSON.parse is ours, so "NaN" or a truncated body is a counted invalid response.
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    });
    this.bulkhead = bulkhead(config.bulkheadConcurrency, config.bulkheadQueue);
    this.retry = retry(
      handleWhen((e) => e instanceof MlCallError && isTransient(e)),
      {
        maxAttempts: config.retryMaxAttempts - 1,
        backoff: new ExponentialBackoff({
          initialDelay: config.retryInitialDelayMs,
          maxDelay: config.retryMaxDelayMs,
          generator: decorrelatedJitterGenerator,
        }),
      },
    );
    this.breaker = circuitBreaker(
      handleWhen((e) => e instanceof MlCallError && isServiceFailure(e)),
      {
        halfOpenAfter: config.breakerHalfOpenAfterMs,
        breaker: new ConsecutiveBreaker(config.breakerThreshold),
      },
    );
    this.timeout = timeout(config.timeoutMs, TimeoutStrategy.Aggressive);
    this.breaker.onStateChange((state) => this.onBreakerState(breakerStateName(state)));
  }

  get breakerState(): BreakerStateName {
    return breakerStateName(this.breaker.state);
  }

  /** Subscribes to breaker transitions; returns the unsubscribe function. */
  onBreakerTransition(listener: (t: BreakerTransition) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Performs one logical call. Resolves with the validated body or rejects with an MlCallError. */
  async request<T>(req: MlRequest<T>): Promise<T> {
    const started = performance.now();
    try {
      const value = await this.bulkhead.execute(() =>
        this.retry.execute(() => this.breaker.execute(() => this.attempt(req))),
      );
      this.observe(req.endpoint, 'success', started);
      return value;
    } catch (err) {
      const failure = this.toPolicyFailure(req.endpoint, err);
      this.observe(req.endpoint, failure.kind, started);
      throw failure;
    }
  }

  /** Closes pooled sockets; the client is unusable afterwards. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private observe(endpoint: string, outcome: string, started: number): void {
    this.metrics.callDuration.observe({ endpoint, outcome }, (performance.now() - started) / 1000);
  }

  private onBreakerState(to: BreakerStateName): void {
    const from = this.lastState;
    this.lastState = to;
    this.metrics.breakerState.set(BREAKER_STATE_VALUE[to]);
    this.metrics.breakerTransitions.inc({ to });
    const log = to === 'open' ? 'warn' : 'info';
    this.logger?.[log](
      { from, to, lastFailure: describeLastFailure(this.breaker) },
      'ML circuit breaker changed state',
    );
    for (const listener of this.listeners) listener({ from, to });
  }

  /** Policy-level rejections become MlCallErrors too; attempt failures were already classified and counted. */
  private toPolicyFailure(endpoint: string, err: unknown): MlCallError {
    if (err instanceof MlCallError) return err;
    let failure: MlCallError;
    if (err instanceof BrokenCircuitError) {
      failure = new MlCallError({ kind: 'circuit_open', endpoint, detail: 'circuit breaker is open' });
    } else if (err instanceof BulkheadRejectedError) {
      failure = new MlCallError({
        kind: 'bulkhead_rejected',
        endpoint,
        detail: 'too many concurrent ML calls',
      });
    } else {
      // Not expected: an error from the policies themselves. Treat it as a connection-level failure.
      failure = new MlCallError({ kind: 'connection', endpoint, detail: errorText(err) });
    }
    recordFailure(this.metrics, endpoint, failure.kind);
    return failure;
  }

  private async attempt<T>(req: MlRequest<T>): Promise<T> {
    try {
      return await this.timeout.execute((_ctx, signal) => this.send(req, signal));
    } catch (err) {
      const failure =
        err instanceof MlCallError
          ? err
          : err instanceof TaskCancelledError
            ? new MlCallError({
                kind: 'timeout',
                endpoint: req.endpoint,
                detail: `no answer within ${this.config.timeoutMs}ms`,
              })
            : new MlCallError({ kind: 'connection', endpoint: req.endpoint, detail: errorText(err) });
      recordFailure(this.metrics, req.endpoint, failure.kind);
      if (failure.kind === 'contract_violation') {
        // Our request does not fit the model, or another model answered: no retry or fallback can fix it.
        this.logger?.error(
          { endpoint: req.endpoint, status: failure.status, detail: failure.detail },
          'ML CONTRACT VIOLATION: the engine and the model disagree (input layout or model name); check the feature vector width and order, and ML_KSERVE_ANOMALY_MODEL',
        );
      }
      throw failure;
    }
  }

  private async send<T>(req: MlRequest<T>, signal: AbortSignal): Promise<T> {
    const { endpoint } = req;
    let status: number;
    let text: string;
    try {
      const res = await this.http.request<string>({
        method: req.method,
        url: req.path,
        data: req.body,
        signal,
      });
      status = res.status;
      text = typeof res.data === 'string' ? res.data : '';
    } catch (err) {
      if (signal.aborted) throw new TaskCancelledError('aborted by the timeout');
      const code = isAxiosError(err) ? err.code : undefined;
      throw new MlCallError({ kind: 'connection', endpoint, detail: code ?? errorText(err) });
    }
    if (status >= 400) throw classifyHttpError(endpoint, status, text);
    if (status < 200 || status >= 300) {
      throw new MlCallError({
        kind: 'invalid_response',
        endpoint,
        status,
        detail: `unexpected HTTP ${status}`,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new MlCallError({
        kind: 'invalid_response',
        endpoint,
        status,
        detail: `body is not JSON: ${truncate(text)}`,
      });
    }
    const violation = req.contract?.(json);
    if (violation !== undefined) {
      throw new MlCallError({ kind: 'contract_violation', endpoint, status, detail: violation });
    }
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(body)';
      throw new MlCallError({
        kind: 'invalid_response',
        endpoint,
        status,
        detail: `${where}: ${issue?.message ?? 'invalid'}`,
      });
    }
    return parsed.data;
  }
}

function classifyHttpError(endpoint: string, status: number, text: string): MlCallError {
  const message = errorMessageOf(text);
  if (status >= 500 && isWidthMismatchMessage(message)) {
    return new MlCallError({ kind: 'contract_violation', endpoint, status, detail: message });
  }
  const kind = status >= 500 ? 'http_5xx' : 'http_4xx';
  return new MlCallError({ kind, endpoint, status, detail: message });
}

/** The `error` (or FastAPI `detail`) text of an error body, else the raw text, shortened for logs. */
function errorMessageOf(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object') {
      const record = body as Record<string, unknown>;
      const value = record.error ?? record.detail ?? record.message;
      if (typeof value === 'string') return truncate(value);
      if (value !== undefined) return truncate(JSON.stringify(value));
    }
  } catch {
    // Not JSON: the raw text is the best we have.
  }
  return truncate(text);
}

function truncate(text: string): string {
  return text.length > ERROR_TEXT_LIMIT ? `${text.slice(0, ERROR_TEXT_LIMIT)}…` : text;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describeLastFailure(breaker: CircuitBreakerPolicy): string | undefined {
  const last = breaker.lastFailure;
  if (!last) return undefined;
  return 'error' in last ? last.error.message : 'bad result';
}
