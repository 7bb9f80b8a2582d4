/**
 * What the feature builder needs from Prometheus, without any HTTP: the builder depends on this interface,
 * prometheus-client.ts implements it, tests and the benchmark can wrap it.
 */

/** Why a query produced no data at all. Each kind is a documented cycle state (docs/features.md), never a number. */
export type PrometheusFailureKind =
  | 'unreachable'
  | 'timeout'
  | 'http_error'
  | 'query_error'
  | 'invalid_response';

export class PrometheusQueryError extends Error {
  constructor(
    readonly kind: PrometheusFailureKind,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'PrometheusQueryError';
  }
}

export interface InstantSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface RangeSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch, as returned. */
  readonly times: readonly number[];
  readonly values: readonly number[];
}

export interface PromQueryApi {
  instant(query: string, atMs: number): Promise<InstantSample[]>;
  range(query: string, startMs: number, endMs: number, stepSeconds: number): Promise<RangeSeries[]>;
  /** Warnings returned by the server (Thanos partial responses) since the last drain. */
  drainWarnings(): string[];
}
