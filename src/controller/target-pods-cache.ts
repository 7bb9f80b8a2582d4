import type { PolicyTargets } from '../detection/detection-cycle.js';
import {
  podsOfIndexed,
  type RevisionedCache,
  RevisionedWorkloadIndexes,
  type WorkloadCaches,
} from '../detection/workload-pods.js';
import type { KubeObject } from '../kube/kube-object.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import {
  type NamespaceLabels,
  type PolicyScope,
  selectTargets,
  type TargetRef,
  type Workload,
} from '../policy/target-selection.js';
import { keyOf } from './informer.js';

/** What a policy's targets and their pods are computed from; every input says when it changed (revision). */
export interface TargetPodsSources extends Readonly<{ [K in keyof WorkloadCaches]: RevisionedCache }> {
  policies: {
    scopeOf(policy: KubeObject): PolicyScope;
    /** The policy of this key, while it exists: the memo drops the others. */
    get(key: string): KubeObject | undefined;
    namespaceLabelMap(): NamespaceLabels;
    namespacesRevision(): number;
  };
  /** The selection candidates (WorkloadCatalog), whose revision moves only on a change selection can see. */
  workloads: { list(): readonly Workload[]; revision(): number };
}

type Targets = PolicyTargets['targets'];

interface Entry {
  /**
   * The policy's scope and spec.targets as JSON: all that selection reads of a policy. Not the policy object:
   * every status write (one per evaluation) replaces it in the cache; nor the spec object, which callers
   * validate afresh on each call.
   */
  selector: string;
  /** Revisions of the catalog and the Namespaces when `selected` was chosen. */
  selectedAt: number[];
  selected: TargetRef[];
  /** Revisions of the Deployments, StatefulSets, ReplicaSets and Pods when `targets` was computed. */
  podsAt: number[];
  targets: Targets;
}

const same = (a: readonly number[], b: readonly number[]) => a.every((n, i) => n === b[i]);

/**
 * Each policy's targets and their pods, remembered until an input changes: the policy's scope or spec.targets
 * (an edit of anything else cannot change them), or the revision of any cache selection or ownership reads. The
 * evaluation loop asks once per due policy per cycle and the webhook once per policy per alert; in a quiet
 * cluster both get the last answer, and a pod's status change (most events) re-reads ownership without selecting
 * again, since the catalog does not move for it. The answer is shared: callers must not mutate it.
 */
export class TargetPodsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly index: RevisionedWorkloadIndexes;
  /** The revisions at the last sweep of gone policies, and how many entries it left. */
  private sweptAt: number[] = [];
  private sweptSize = 0;

  constructor(private readonly sources: TargetPodsSources) {
    this.index = new RevisionedWorkloadIndexes(sources);
  }

  targetsFor(policy: KubeObject, spec: PolicySpec): Targets {
    const { policies, workloads } = this.sources;
    const key = keyOf(policy);
    const selectedAt = [workloads.revision(), policies.namespacesRevision()];
    const podsAt = this.index.revisions();
    const scope = policies.scopeOf(policy);
    const selector = JSON.stringify([scope, spec.targets]);
    const entry = this.entries.get(key);
    if (entry?.selector === selector && same(entry.selectedAt, selectedAt)) {
      if (same(entry.podsAt, podsAt)) return entry.targets;
      entry.podsAt = podsAt;
      entry.targets = podsOfIndexed(entry.selected, this.index.current());
      this.forgetGone([...selectedAt, ...podsAt]);
      return entry.targets;
    }
    const selected = selectTargets(scope, spec, workloads.list(), policies.namespaceLabelMap());
    const targets = podsOfIndexed(selected, this.index.current());
    this.entries.set(key, {
      selector,
      selectedAt,
      selected,
      podsAt,
      targets,
    });
    this.forgetGone([...selectedAt, ...podsAt]);
    return targets;
  }

  /** Policies remembered: after the first recomputation since a cache changed, only those that still exist. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Swept once per cache change, not on every recomputation: after a change each policy of a pass recomputes, and
   * a sweep per policy made the pass quadratic (2,000 policies: 200 ms on the loop). Entries are added only on a
   * recomputation; policies that come and go while no cache moves are swept when the entries have doubled.
   */
  private forgetGone(revisions: number[]): void {
    const moved = this.sweptAt.length !== revisions.length || !same(this.sweptAt, revisions);
    if (!moved && this.entries.size <= 2 * this.sweptSize + 8) return;
    for (const key of this.entries.keys()) {
      if (!this.sources.policies.get(key)) this.entries.delete(key);
    }
    this.sweptAt = revisions;
    this.sweptSize = this.entries.size;
  }
}

/** The evaluation loop's targetsFor over the engine's caches, remembered per policy (TargetPodsCache). */
export function targetsForPolicies(
  sources: TargetPodsSources,
): (policy: KubeObject, spec: PolicySpec) => Targets {
  const cache = new TargetPodsCache(sources);
  return (policy, spec) => cache.targetsFor(policy, spec);
}
