/**
 * Health is reported per dependency. Each part of the engine that talks to something external implements
 * HealthSource; the API server only aggregates. Other components (the Prometheus client, the ML client's circuit
 * breaker) plug in by providing a source with the same name.
 */
export type HealthState = 'ok' | 'degraded' | 'down';

export interface HealthReport {
  status: HealthState;
  message: string;
  details?: Record<string, unknown>;
}

export interface HealthSource {
  /** Dependency name in /api/v1/health: kubernetes, prometheus, mlService, leader. */
  readonly name: string;
  /** A critical dependency that is down means the engine cannot work at all (HTTP 503). */
  readonly critical: boolean;
  check(): HealthReport | Promise<HealthReport>;
}

export interface HealthSummary {
  status: HealthState;
  checkedAt: string;
  dependencies: Record<string, HealthReport & { critical: boolean }>;
}

/**
 * Overall status: down only when a critical dependency is down; degraded when anything is not ok (an ML outage
 * is degraded, never down: rules keep working).
 */
export async function summarize(
  sources: readonly HealthSource[],
  now: Date = new Date(),
): Promise<HealthSummary> {
  const dependencies: HealthSummary['dependencies'] = {};
  let status: HealthState = 'ok';
  // Concurrently: one slow dependency must not add its wait to every other one's.
  const reports = await Promise.all(
    sources.map(async (source): Promise<HealthReport> => {
      try {
        return await source.check();
      } catch (error) {
        return {
          status: 'down',
          message: `health check failed: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    }),
  );
  for (const [i, source] of sources.entries()) {
    const report = reports[i] as HealthReport;
    dependencies[source.name] = { ...report, critical: source.critical };
    if (report.status === 'down' && source.critical) status = 'down';
    else if (report.status !== 'ok' && status === 'ok') status = 'degraded';
  }
  return { status, checkedAt: now.toISOString(), dependencies };
}

/** A dependency that is not configured: detection that needs it is unavailable, the engine still runs. */
export function notConfiguredSource(name: string, setting: string): HealthSource {
  return {
    name,
    critical: false,
    check: () => ({ status: 'degraded', message: `not configured (${setting} is unset)` }),
  };
}
