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
  /**
   * range() without keeping the answer: `visit` gets each series as it is read, and may keep what it computes
   * from it but not the series (the series object and its arrays are reused). Optional: visitRange() falls back
   * to range().
   */
  rangeEach?(
    query: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
    visit: (series: RangeSeries) => void,
  ): Promise<void>;
  /** Warnings returned by the server (Thanos partial responses) since the last drain. */
  drainWarnings(): string[];
}

/** Each series of a range query's answer, through rangeEach when the API has it, else read whole by range(). */
export async function visitRange(
  api: PromQueryApi,
  query: string,
  startMs: number,
  endMs: number,
  stepSeconds: number,
  visit: (series: RangeSeries) => void,
): Promise<void> {
  if (api.rangeEach) return api.rangeEach(query, startMs, endMs, stepSeconds, visit);
  for (const series of await api.range(query, startMs, endMs, stepSeconds)) visit(series);
}
