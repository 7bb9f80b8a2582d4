import type { PolicyRecordDelta } from '../remediation/policy-record.js';

/** What one remediation pass decided for a policy: every target's notes (acted, skipped with reason, ...). */
export interface DecidedPass {
  atMs: number;
  entries: PolicyRecordDelta['entries'];
}

/**
 * The latest remediation pass of each policy, in memory, for the API to say what an immediate evaluation decided
 * (the policy's status history holds the durable record). Bounded: past `max` policies the oldest is forgotten.
 */
export class RecentDecisions {
  private readonly byPolicy = new Map<string, DecidedPass>();

  constructor(private readonly max = 5_000) {}

  record(policyKey: string, atMs: number, delta: PolicyRecordDelta): void {
    this.byPolicy.delete(policyKey);
    this.byPolicy.set(policyKey, { atMs, entries: delta.entries });
    if (this.byPolicy.size > this.max) {
      const oldest = this.byPolicy.keys().next().value;
      if (oldest !== undefined) this.byPolicy.delete(oldest);
    }
  }

  /** The latest pass of the policy, if it happened at or after `sinceMs`. */
  since(policyKey: string, sinceMs: number): DecidedPass | undefined {
    const pass = this.byPolicy.get(policyKey);
    return pass && pass.atMs >= sinceMs ? pass : undefined;
  }

  clear(): void {
    this.byPolicy.clear();
  }
}
