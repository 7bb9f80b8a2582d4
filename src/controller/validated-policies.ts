import type { KubeObject } from '../kube/kube-object.js';
import { type PolicyValidation, validatePolicySpec } from '../policy/validate.js';
import { keyOf } from './informer.js';
import { policyScopeOf } from './policy-scope.js';

/**
 * Policy validation, remembered per object uid and spec generation: the API server bumps metadata.generation on
 * every spec change (status and metadata writes leave it), so a workload event in a 10,000-pod cluster no longer
 * re-validates every policy with zod. An object without a generation falls back to its resourceVersion, and one
 * with neither is validated every time. The returned spec is shared: callers must not mutate it.
 */
export class ValidatedPolicies {
  private readonly known = new Map<string, { version: string; validation: PolicyValidation }>();

  validate(policy: KubeObject): PolicyValidation {
    const scope = policyScopeOf(policy).scope;
    const { generation, resourceVersion, uid } = policy.metadata;
    const version = generation !== undefined ? `g${generation}` : resourceVersion && `r${resourceVersion}`;
    if (!version) return validatePolicySpec(policy.spec, scope);
    const id = `${uid ?? keyOf(policy)}|${scope}`;
    const cached = this.known.get(id);
    if (cached?.version === version) return cached.validation;
    const validation = validatePolicySpec(policy.spec, scope);
    this.known.set(id, { version, validation });
    return validation;
  }

  /** Drops what was remembered of a deleted policy. */
  forget(policy: KubeObject): void {
    const scope = policyScopeOf(policy).scope;
    this.known.delete(`${policy.metadata.uid ?? keyOf(policy)}|${scope}`);
  }

  get size(): number {
    return this.known.size;
  }
}
