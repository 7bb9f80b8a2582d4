/** One exporter series over time, the unit of a Prometheus backfill (OpenMetrics for promtool). */
export interface SampleSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch, ascending. */
  readonly times: readonly number[];
  readonly values: readonly number[];
}
