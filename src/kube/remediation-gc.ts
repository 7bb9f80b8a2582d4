import type { PolicyRef } from '../remediation/record.js';
import { expiredRecords } from '../remediation/retention.js';
import { ConflictError, type RemediationStore, type WriteContext } from './remediation-store.js';

export interface CollectResult {
  deleted: string[];
  /** Records that changed between the list and the delete; they are looked at again next round. */
  changed: string[];
}

/**
 * Deletes a policy's completed Remediation records once they are older than its recordRetention. Each delete
 * carries the uid and resourceVersion the record was listed at, so a record reopened or updated meanwhile stays.
 */
export class RemediationGc {
  constructor(private readonly store: RemediationStore) {}

  async collect(
    ctx: WriteContext,
    policy: PolicyRef,
    retentionMs: number,
    nowMs: number,
  ): Promise<CollectResult> {
    const result: CollectResult = { deleted: [], changed: [] };
    const expired = expiredRecords(await this.store.listAll(policy, ctx.signal), retentionMs, nowMs);
    for (const record of expired) {
      const key = `${record.metadata.namespace}/${record.metadata.name}`;
      try {
        if (await this.store.delete(ctx, record)) result.deleted.push(key);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        result.changed.push(key);
      }
    }
    return result;
  }
}
