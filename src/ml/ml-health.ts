/**
 * The ML service's health as the engine sees it, for /api/v1/health and for the policies' Degraded condition.
 * Degraded while the breaker is not closed or since the last call failed; ok again after a successful call
 * with the breaker closed. `since` is when the status last flipped; the last error is kept after recovery.
 */
import type { TimeSource as Clock } from '../time/clock.js';
import type { MlCallError, MlFailureKind } from './ml-failure.js';
import type { BreakerStateName } from './ml-metrics.js';

export type MlHealthStatus = 'ok' | 'degraded';

export interface MlLastError {
  kind: MlFailureKind;
  message: string;
  at: string;
}

export interface MlHealthSnapshot {
  status: MlHealthStatus;
  breaker: BreakerStateName;
  /** RFC 3339 time the status last changed. */
  since: string;
  lastError?: MlLastError;
  lastSuccessAt?: string;
}

/** What a policy status condition needs; the controller copies it into RemediationPolicy status. */
export interface MlDegradedCondition {
  type: 'Degraded';
  status: 'True' | 'False';
  reason: 'MLServiceUnavailable' | 'MLServiceAvailable';
  message: string;
}

export interface MlHealthProvider {
  snapshot(): MlHealthSnapshot;
  onChange(listener: (snapshot: MlHealthSnapshot) => void): () => void;
}

export class MlHealthTracker implements MlHealthProvider {
  private breaker: BreakerStateName = 'closed';
  private lastCallFailed = false;
  private status: MlHealthStatus = 'ok';
  private since: number;
  private lastError: MlLastError | undefined;
  private lastSuccessAt: number | undefined;
  private readonly listeners = new Set<(snapshot: MlHealthSnapshot) => void>();

  constructor(private readonly clock: Clock) {
    this.since = clock.now();
  }

  recordSuccess(): void {
    this.lastCallFailed = false;
    this.lastSuccessAt = this.clock.now();
    this.update();
  }

  recordFailure(error: MlCallError): void {
    this.lastCallFailed = true;
    // "circuit open" is a consequence; keep the failure that opened it as the error worth reporting.
    if (error.kind === 'circuit_open' && this.lastError) {
      this.update();
      return;
    }
    this.lastError = {
      kind: error.kind,
      message: error.message,
      at: new Date(this.clock.now()).toISOString(),
    };
    this.update();
  }

  setBreaker(state: BreakerStateName): void {
    this.breaker = state;
    this.update();
  }

  snapshot(): MlHealthSnapshot {
    const snap: MlHealthSnapshot = {
      status: this.status,
      breaker: this.breaker,
      since: new Date(this.since).toISOString(),
    };
    if (this.lastError) snap.lastError = { ...this.lastError };
    if (this.lastSuccessAt !== undefined) snap.lastSuccessAt = new Date(this.lastSuccessAt).toISOString();
    return snap;
  }

  onChange(listener: (snapshot: MlHealthSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private update(): void {
    const next: MlHealthStatus = this.breaker !== 'closed' || this.lastCallFailed ? 'degraded' : 'ok';
    if (next === this.status) return;
    this.status = next;
    this.since = this.clock.now();
    const snap = this.snapshot();
    for (const listener of this.listeners) listener(snap);
  }
}

/**
 * Degraded because the service answered something the engine cannot use as asked (another model's reply, a
 * rejected input layout), not because it is down. Such failures never open the breaker, so it is closed.
 */
export function isContractViolation(snapshot: MlHealthSnapshot): boolean {
  return (
    snapshot.status === 'degraded' &&
    snapshot.breaker === 'closed' &&
    snapshot.lastError?.kind === 'contract_violation'
  );
}

/**
 * What is wrong with the ML service, in words, for /api/v1/health, the policies' Degraded condition and the logs:
 * a contract violation is named as such; anything else is an outage.
 */
export function describeMlProblem(snapshot: MlHealthSnapshot): string {
  const last = snapshot.lastError?.message;
  if (isContractViolation(snapshot)) return `ML contract violation (${last})`;
  return `ML service unavailable (breaker ${snapshot.breaker}${last ? `, last error: ${last}` : ''})`;
}

/** The RemediationPolicy condition derived from ML health, in one place so every policy says the same. */
export function mlDegradedCondition(snapshot: MlHealthSnapshot): MlDegradedCondition {
  if (snapshot.status === 'ok') {
    return {
      type: 'Degraded',
      status: 'False',
      reason: 'MLServiceAvailable',
      message: 'ML service is answering; decisions use the model',
    };
  }
  return {
    type: 'Degraded',
    status: 'True',
    reason: 'MLServiceUnavailable',
    message: `${describeMlProblem(snapshot)}; deciding on rules, the local detector and cached predictions`,
  };
}
