import type { RemediationRecord } from './record.js';

/**
 * Which completed Remediation records have outlived the policy's recordRetention. Open records are never expired,
 * however old: they are episodes still in progress. A closed record is aged from its completionTime; one closed
 * without it (written by hand or by an older engine) is aged from the latest time it does carry, so it still goes
 * eventually but never sooner than its last known activity allows.
 */
export function completedAtMs(record: RemediationRecord): number | undefined {
  const s = record.status;
  const candidates = s.completionTime
    ? [s.completionTime]
    : [s.lastActionTime, s.startTime, record.metadata.creationTimestamp];
  const times = candidates
    .map((t) => (t === undefined ? Number.NaN : Date.parse(t)))
    .filter((t) => Number.isFinite(t));
  return times.length > 0 ? Math.max(...times) : undefined;
}

export function isExpired(record: RemediationRecord, retentionMs: number, nowMs: number): boolean {
  if (record.open || record.metadata.deletionTimestamp !== undefined) return false;
  const completed = completedAtMs(record);
  return completed !== undefined && completed + retentionMs <= nowMs;
}

export function expiredRecords(
  records: readonly RemediationRecord[],
  retentionMs: number,
  nowMs: number,
): RemediationRecord[] {
  return records.filter((r) => isExpired(r, retentionMs, nowMs));
}
