/**
 * Condition and Event reasons are API: users alert on them and grep for them. Named constants only, CamelCase as
 * Kubernetes convention requires.
 */
export const Reason = {
  /** Ready=True: the spec is valid and the policy is being evaluated. */
  Reconciled: 'Reconciled',
  /** Ready=False: the spec failed validation; the engine will not act on this policy. */
  InvalidSpec: 'InvalidSpec',
  /** Ready=Unknown before the first evaluation. */
  Pending: 'Pending',
  Paused: 'Paused',
  NotPaused: 'NotPaused',
  /** Degraded: a dependency (Prometheus, ML) is unavailable, so detection runs reduced. */
  DependenciesHealthy: 'DependenciesHealthy',
  /** Degraded=True: metrics cannot be read, so no target is judged and nothing is acted on. */
  PrometheusUnavailable: 'PrometheusUnavailable',
  /** Degraded=True: the ML service is down; ML-guided detection falls back to rules and the local detector. */
  MLServiceUnavailable: 'MLServiceUnavailable',
  NoStorm: 'NoStorm',
  StormDetected: 'StormDetected',
  NotEscalated: 'NotEscalated',
  MaxAttemptsReached: 'MaxAttemptsReached',
  /** Event: a target became anomalous (the message carries the evidence). */
  AnomalyDetected: 'AnomalyDetected',
  /** Event: a previously anomalous target is healthy again. */
  AnomalyCleared: 'AnomalyCleared',
  /** Event (Normal): shadow mode's model newly calls a target anomalous; says whether the rules agree. */
  ShadowAnomaly: 'ShadowAnomaly',
  /** Event: a previously invalid policy is valid again. */
  SpecValid: 'SpecValid',
} as const;
export type ReasonName = (typeof Reason)[keyof typeof Reason];
