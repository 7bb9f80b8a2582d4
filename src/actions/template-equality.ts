/**
 * Pod template comparison the way the apiserver's typed round trip sees templates: key order does not matter and
 * null, {} and [] mean "unset" (kubectl writes `creationTimestamp: null` and `resources: {}` back into templates).
 * kubectl's equalIgnoreHash also ignores the pod-template-hash label, which only ReplicaSet templates carry.
 */
export const POD_TEMPLATE_HASH = 'pod-template-hash';

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      const n = normalize((value as Record<string, unknown>)[key]);
      if (n === null || n === undefined) continue;
      if (Array.isArray(n) && n.length === 0) continue;
      if (typeof n === 'object' && !Array.isArray(n) && Object.keys(n as object).length === 0) continue;
      out[key] = n;
    }
    return out;
  }
  return value;
}

/** A copy of the template without the pod-template-hash label (kubectl removes it before a rollback). */
export function withoutHashLabel(template: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(template);
  const meta = copy.metadata as { labels?: Record<string, unknown> } | undefined;
  if (meta?.labels) delete meta.labels[POD_TEMPLATE_HASH];
  return copy;
}

export function sameTemplate(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(normalize(withoutHashLabel(a))) === JSON.stringify(normalize(withoutHashLabel(b)));
}
