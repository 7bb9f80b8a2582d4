import { POLICY_GROUP, POLICY_VERSION } from '../policy/api-group.js';
import type { PolicyKind } from '../remediation/record.js';
import {
  LABEL_OPEN,
  parseRemediation,
  REMEDIATION_PLURAL,
  type RemediationRecord,
} from '../remediation/record.js';
import { policyLabels } from '../remediation/record-identity.js';
import { listSchema } from './kube-object.js';
import type { KubeRest } from './rest-client.js';

export interface PolicyFilter {
  kind: PolicyKind;
  name: string;
  /** RemediationPolicy only. */
  namespace?: string;
}

const PAGE_SIZE = 250;

/**
 * Every closed Remediation record (label open=false), in all namespaces or, for a namespaced policy, in its own,
 * read page by page so a large history never arrives as one answer. With a policy, the label selector narrows the
 * list on the server and the spec's policyRef confirms it (labels hold a hashed name when the name is long).
 * Items without usable metadata are counted, not returned.
 */
export async function* listClosedRemediations(
  rest: KubeRest,
  policy?: PolicyFilter,
  options: { signal?: AbortSignal; pageSize?: number } = {},
): AsyncGenerator<{ record: RemediationRecord } | { unreadable: number }> {
  const labels: Record<string, string> = { ...(policy ? policyLabels(policy) : {}), [LABEL_OPEN]: 'false' };
  const labelSelector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const scope =
    policy?.kind === 'RemediationPolicy' && policy.namespace
      ? `/namespaces/${encodeURIComponent(policy.namespace)}`
      : '';
  const path = `/apis/${POLICY_GROUP}/${POLICY_VERSION}${scope}/${REMEDIATION_PLURAL}`;
  let token: string | undefined;
  do {
    const list = listSchema.parse(
      await rest.request({
        method: 'GET',
        path,
        query: { labelSelector, limit: options.pageSize ?? PAGE_SIZE, continue: token },
        signal: options.signal,
      }),
    );
    let unreadable = 0;
    for (const item of list.items) {
      const record = parseRemediation(item);
      if (!record) unreadable++;
      else if (!policy || belongsTo(record, policy)) yield { record };
    }
    if (unreadable > 0) yield { unreadable };
    token = list.metadata.continue || undefined;
  } while (token);
}

function belongsTo(record: RemediationRecord, policy: PolicyFilter): boolean {
  const ref = record.spec?.policyRef;
  // Without a readable spec the labels (already matched by the server) are all there is to go by.
  if (!ref) return true;
  if (ref.kind !== policy.kind || ref.name !== policy.name) return false;
  return policy.kind === 'ClusterRemediationPolicy' || ref.namespace === policy.namespace;
}
