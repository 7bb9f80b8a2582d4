import { describeMlProblem, type MlHealthSnapshot } from '../ml/ml-health.js';
import type { HealthReport, HealthSource } from './health.js';

/** The ML side as health needs it: ResilientMlService. */
export interface MlHealthView {
  snapshot(): MlHealthSnapshot;
  /** A readiness call through the configured backend (ADR-009 /health, or KServe model readiness). */
  probe(): Promise<MlHealthSnapshot>;
}

/**
 * mlService health: the circuit breaker's view of real calls (state, last error), refreshed by a readiness probe
 * through the same backend at most every `probeEveryMs`, so an outage shows before the first call and recovery
 * before the next one. An ML outage is `degraded`, never `down`: detection carries on with rules and the local
 * detector.
 */
export function mlServiceHealthSource(
  ml: MlHealthView,
  clock: { now(): number },
  probeEveryMs = 5_000,
): HealthSource {
  let lastProbe = Number.NEGATIVE_INFINITY;
  return {
    name: 'mlService',
    critical: false,
    async check(): Promise<HealthReport> {
      let snap: MlHealthSnapshot;
      if (clock.now() - lastProbe >= probeEveryMs) {
        lastProbe = clock.now();
        snap = await ml.probe();
      } else snap = ml.snapshot();
      const details: Record<string, unknown> = { breaker: snap.breaker, since: snap.since };
      if (snap.lastError) details.lastError = snap.lastError;
      if (snap.lastSuccessAt) details.lastSuccessAt = snap.lastSuccessAt;
      if (snap.status !== 'ok') {
        // Says "ML contract violation (…)" when the service answers but not as asked, not "unavailable".
        return { status: 'degraded', message: describeMlProblem(snap), details };
      }
      return { status: 'ok', message: `circuit breaker ${snap.breaker}`, details };
    },
  };
}
