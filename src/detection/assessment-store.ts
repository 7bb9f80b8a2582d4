import type { PolicyAssessment } from './assessment.js';

export interface StoredAssessment {
  /** The policy generation the assessment was made for. */
  generation: number | undefined;
  /** Wall-clock time of the cycle (the assessment's own time is the metrics' instant, a query offset earlier). */
  ranAtMs: number;
  assessment: PolicyAssessment;
}

/**
 * The latest assessment of each policy. The evaluation loop writes it once per interval for all due policies
 * together (one batched query set); the level-based reconciler reads it when it converges the policy's status.
 */
export class AssessmentStore {
  private readonly byPolicy = new Map<string, StoredAssessment>();

  get(key: string): StoredAssessment | undefined {
    return this.byPolicy.get(key);
  }

  /**
   * The assessment only if it was made for this generation of the spec: one made for an older spec (other
   * targets, rules or thresholds) must never be reported or acted on as the current one.
   */
  forGeneration(key: string, generation: number | undefined): StoredAssessment | undefined {
    const stored = this.byPolicy.get(key);
    return stored && stored.generation === generation ? stored : undefined;
  }

  set(key: string, stored: StoredAssessment): void {
    this.byPolicy.set(key, stored);
  }

  delete(key: string): void {
    this.byPolicy.delete(key);
  }

  /** Forgets everything: a new leadership term starts from its own observations. */
  clear(): void {
    this.byPolicy.clear();
  }

  keys(): string[] {
    return [...this.byPolicy.keys()];
  }
}
