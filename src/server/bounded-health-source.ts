import { formatDuration } from '../policy/duration.js';
import type { HealthReport, HealthSource, HealthState } from './health.js';

/**
 * A dependency check with a deadline, one at a time. A service that accepts connections but never answers must not
 * hold up start-up, the periodic refresh or GET /api/v1/health longer than its timeout; and while one check is
 * still hanging, later callers share it instead of piling up more requests on a dependency that is already stuck.
 */
export function boundedHealthSource(
  source: HealthSource,
  timeoutMs: number,
  /** What the dependency counts as when it does not answer in time: `degraded` for the ML service, `down` else. */
  onTimeout: HealthState,
): HealthSource {
  let inFlight: Promise<HealthReport> | undefined;
  return {
    name: source.name,
    critical: source.critical,
    check(): Promise<HealthReport> {
      // An async wrapper: the check starts now, and one that throws synchronously becomes a report too.
      inFlight ??= (async () => source.check())()
        .catch(
          (error: unknown): HealthReport => ({
            status: 'down',
            message: `health check failed: ${error instanceof Error ? error.message : String(error)}`,
          }),
        )
        .finally(() => {
          inFlight = undefined;
        });
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<HealthReport>((resolve) => {
        timer = setTimeout(
          () =>
            resolve({
              status: onTimeout,
              message: `no answer within ${formatDuration(timeoutMs)} (still waiting)`,
            }),
          timeoutMs,
        );
        timer.unref();
      });
      return Promise.race([inFlight, late]).finally(() => clearTimeout(timer));
    },
  };
}
