import type { PolicyAssessment } from './assessment.js';

export interface StoredAssessment {
  /** The policy generation the assessment was made for. */
  generation: number | undefined;
  /** Wall-clock time of the cycle (the assessment's own time is aligned down to the query step). */
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

  set(key: string, stored: StoredAssessment): void {
    this.byPolicy.set(key, stored);
  }

  delete(key: string): void {
    this.byPolicy.delete(key);
  }

  keys(): string[] {
    return [...this.byPolicy.keys()];
  }
}
