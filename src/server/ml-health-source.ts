import type { MlHealthSnapshot } from '../ml/ml-health.js';
import type { HealthReport, HealthSource } from './health.js';

/**
 * mlService health: the circuit breaker's view of real calls (state, last error) combined with a probe of the
 * service's /health, so an outage shows before the first call and recovery shows before the next one. An ML
 * outage is `degraded`, never `down`: detection carries on with rules and the local detector.
 */
export function mlServiceHealthSource(
  probe: HealthSource,
  ml: { snapshot(): MlHealthSnapshot },
): HealthSource {
  return {
    name: 'mlService',
    critical: false,
    async check(): Promise<HealthReport> {
      const probed = await probe.check();
      const snap = ml.snapshot();
      const details: Record<string, unknown> = {
        breaker: snap.breaker,
        since: snap.since,
        probe: probed.message,
      };
      if (snap.lastError) details.lastError = snap.lastError;
      if (snap.lastSuccessAt) details.lastSuccessAt = snap.lastSuccessAt;
      if (snap.status !== 'ok') {
        const why = snap.lastError ? `${snap.lastError.kind}: ${snap.lastError.message}` : 'calls failing';
        return { status: 'degraded', message: `circuit breaker ${snap.breaker}; last error ${why}`, details };
      }
      if (probed.status !== 'ok') return { status: 'degraded', message: probed.message, details };
      return { status: 'ok', message: `circuit breaker ${snap.breaker}; ${probed.message}`, details };
    },
  };
}
