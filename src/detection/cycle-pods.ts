import type { PodRef } from '../metrics/feature-vector-builder.js';
import type { TargetRef } from '../policy/target-selection.js';
import { handleOf } from './pod-handle.js';

/** The due policies' targets, as a detection cycle is given them (PolicyTargets without what this does not read). */
export interface CycleTargets {
  readonly targets: ReadonlyArray<{ readonly target: TargetRef; readonly pods: readonly PodRef[] }>;
}

/** The pods one cycle asks about: each once, in the order first named, and each one's workload. */
export interface AskedPods {
  /** Every pod once, at the place it was first named (the object it was named with last, as Map.set keeps it). */
  readonly list: readonly PodRef[];
  /** A pod's key (handleOf) -> its place in `list`. */
  readonly positions: ReadonlyMap<string, number>;
  /** A pod's key -> `Kind/name` of the last workload target naming it (none when only Pod targets do). */
  readonly workloadOf: ReadonlyMap<string, string>;
}

/**
 * The union of a cycle's pods, kept while the policies name the very same pods of the same targets, in the same
 * order. In a quiet cluster that is every cycle (the selection is cached until an input changes), and the three
 * 10,000-entry Maps and the list are then not made again: at 10,000 pods they were some 2 MB of each cycle's
 * allocation. Anything else gets a union of its own; the result is never changed once made (its list is frozen:
 * a consumer that sorted it would corrupt every later cycle). Policies due at different intervals make the due set
 * alternate, and then every cycle makes its union, as before this cache.
 */
export class CyclePods {
  private last: (AskedPods & { named: readonly PodRef[]; kinds: string[]; names: string[] }) | undefined;

  of(policies: readonly CycleTargets[]): AskedPods {
    if (this.last && sameAsLast(policies, this.last)) return this.last;
    const list: PodRef[] = [];
    const positions = new Map<string, number>();
    const workloadOf = new Map<string, string>();
    const named: PodRef[] = [];
    const kinds: string[] = [];
    const names: string[] = [];
    for (const policy of policies) {
      for (const { target, pods } of policy.targets) {
        kinds.push(target.kind);
        names.push(target.name);
        const workload = target.kind !== 'Pod' ? `${target.kind}/${target.name}` : undefined;
        for (const pod of pods) {
          named.push(pod);
          const { key } = handleOf(pod);
          // The last naming wins the pod's place and workload, as Map.set did before this cache.
          const at = positions.get(key);
          if (at === undefined) {
            positions.set(key, list.length);
            list.push(pod);
          } else list[at] = pod;
          if (workload !== undefined) workloadOf.set(key, workload);
        }
      }
    }
    Object.freeze(list);
    this.last = { list, positions, workloadOf, named, kinds, names };
    return this.last;
  }
}

/** Whether the policies name the same targets (kind and name: what the union reads of them) and pod objects. */
function sameAsLast(
  policies: readonly CycleTargets[],
  last: { named: readonly PodRef[]; kinds: readonly string[]; names: readonly string[] },
): boolean {
  let t = 0;
  let p = 0;
  for (const policy of policies) {
    for (const { target, pods } of policy.targets) {
      if (target.kind !== last.kinds[t] || target.name !== last.names[t]) return false;
      t++;
      for (const pod of pods) {
        if (pod !== last.named[p]) return false;
        p++;
      }
    }
  }
  return t === last.kinds.length && p === last.named.length;
}
