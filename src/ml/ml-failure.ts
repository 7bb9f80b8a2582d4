/**
 * Every way an ML call can fail, as one error type with a `kind`. The resilience policies decide on the kind:
 * which failures are retried, which ones count against the circuit breaker, which ones are our own bug.
 */
export const ML_FAILURE_KINDS = [
  'timeout',
  'connection',
  'http_5xx',
  'http_4xx',
  'invalid_response',
  'contract_violation',
  'circuit_open',
  'bulkhead_rejected',
] as const;
export type MlFailureKind = (typeof ML_FAILURE_KINDS)[number];

export interface MlFailureDetails {
  kind: MlFailureKind;
  endpoint: string;
  status?: number;
  /** The server's error text or the validation issue, for logs and the health endpoint. */
  detail?: string;
}

export class MlCallError extends Error {
  readonly kind: MlFailureKind;
  readonly endpoint: string;
  readonly status: number | undefined;
  readonly detail: string | undefined;

  constructor(details: MlFailureDetails, message?: string) {
    super(message ?? describe(details));
    this.name = 'MlCallError';
    this.kind = details.kind;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.detail = details.detail;
  }
}

function describe(d: MlFailureDetails): string {
  const status = d.status === undefined ? '' : ` (HTTP ${d.status})`;
  const detail = d.detail === undefined ? '' : `: ${d.detail}`;
  return `ML ${d.endpoint} failed with ${d.kind}${status}${detail}`;
}

/** Transient faults worth another attempt. 4xx, bad bodies and contract violations will not heal by retrying. */
export function isTransient(error: MlCallError): boolean {
  if (error.kind === 'timeout' || error.kind === 'connection') return true;
  return error.kind === 'http_5xx' && (error.status === 502 || error.status === 503 || error.status === 504);
}

/**
 * Failures that say the service is unhealthy and so count towards opening the breaker. A 4xx or a wrong input
 * width is our request's fault: the service is answering, and opening the breaker would hide our bug.
 */
export function isServiceFailure(error: MlCallError): boolean {
  return (
    error.kind === 'timeout' ||
    error.kind === 'connection' ||
    error.kind === 'http_5xx' ||
    error.kind === 'invalid_response'
  );
}

/** sklearn's wording for a wrong input width: "X has 44 features, but IsolationForest is expecting 45 …". */
const WIDTH_MISMATCH = /has \d+ features?,? but .*expecting \d+ features?/i;

export function isWidthMismatchMessage(text: string): boolean {
  return WIDTH_MISMATCH.test(text);
}
