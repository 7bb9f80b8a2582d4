import { createHash } from 'node:crypto';
import { POLICY_API_VERSION } from '../policy/api-group.js';
import {
  LABEL_OPEN,
  LABEL_POLICY,
  LABEL_POLICY_KIND,
  LABEL_TARGET_UID,
  type PolicyRef,
  type RemediationSpec,
  type RemediationStatus,
  type TargetRef,
} from './record.js';

/**
 * How a Remediation is named and labelled. The name is deterministic for an episode (policy, target, episode start)
 * so that creating it is idempotent: a retry after a lost response, or a second engine after a takeover, finds the
 * same object instead of opening a duplicate episode.
 */

const MAX_NAME = 253;
const MAX_LABEL_VALUE = 63;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

/** Makes arbitrary text a DNS-1123 subdomain fragment: lowercase, only [a-z0-9.-], no empty or dash-edged labels. */
function toSubdomainChars(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/-*\.[-.]*/g, '.')
    .replace(/^[^a-z0-9]+/, '');
}

/**
 * `<policyName>-<targetName>-<episode start, unix seconds in base 36>`, a DNS-1123 subdomain of at most 253
 * characters. Policy and target names are themselves subdomains, so the plain form is almost always valid; when it
 * is too long (or a name is not a subdomain) the readable part is cut and a hash of both names keeps it unique.
 */
export function recordName(policyName: string, targetName: string, episodeStartMs: number): string {
  if (!Number.isFinite(episodeStartMs)) throw new RangeError(`episode start ${episodeStartMs} is not a time`);
  const start = Math.max(0, Math.floor(episodeStartMs / 1000)).toString(36);
  const plain = `${policyName}-${targetName}-${start}`;
  if (plain.length <= MAX_NAME && DNS_SUBDOMAIN.test(plain)) return plain;
  const tail = `-${shortHash(`${policyName}/${targetName}`)}-${start}`;
  const head = toSubdomainChars(`${policyName}-${targetName}`)
    .slice(0, MAX_NAME - tail.length)
    .replace(/[^a-z0-9]+$/, '');
  return `${head === '' ? 'r' : head}${tail}`;
}

/** A label value for a name that may be longer than 63 characters: cut, with a hash keeping it distinct. */
export function labelValue(text: string): string {
  if (text.length <= MAX_LABEL_VALUE && LABEL_VALUE.test(text)) return text;
  const tail = `-${shortHash(text)}`;
  const head = text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MAX_LABEL_VALUE - tail.length)
    .replace(/[^A-Za-z0-9]+$/, '');
  return `${head === '' ? 'r' : head}${tail}`;
}

/** The labels that find a policy's records (open or all): `kubectl get rem -l coordination-engine.io/policy=p`. */
export function policyLabels(policy: Pick<PolicyRef, 'kind' | 'name'>): Record<string, string> {
  return { [LABEL_POLICY]: labelValue(policy.name), [LABEL_POLICY_KIND]: policy.kind };
}

export interface RemediationDraft {
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences: { apiVersion: string; kind: string; name: string; uid: string; controller: boolean }[];
  };
  spec: RemediationSpec;
  /** Written through /status right after the object is created (a create cannot set status). */
  status?: RemediationStatus;
}

/**
 * The record for a new episode: in the target's namespace, owned by the policy (so the garbage collector removes
 * it with the policy; a cluster-scoped owner is allowed for a namespaced dependent), open.
 */
export function draftRemediation(input: {
  policy: PolicyRef;
  target: TargetRef;
  dryRun: boolean;
  episodeStartMs: number;
  status?: RemediationStatus;
}): RemediationDraft {
  const { policy, target } = input;
  return {
    metadata: {
      name: recordName(policy.name, target.name, input.episodeStartMs),
      namespace: target.namespace,
      labels: {
        ...policyLabels(policy),
        [LABEL_TARGET_UID]: labelValue(target.uid),
        [LABEL_OPEN]: 'true',
      },
      ownerReferences: [
        {
          apiVersion: POLICY_API_VERSION,
          kind: policy.kind,
          name: policy.name,
          uid: policy.uid,
          controller: true,
        },
      ],
    },
    spec: { policyRef: { ...policy }, targetRef: { ...target }, dryRun: input.dryRun },
    ...(input.status ? { status: input.status } : {}),
  };
}
