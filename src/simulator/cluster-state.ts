import type { Logger } from 'pino';
import { Informer, type InformerEventType } from '../controller/informer.js';
import type { KubeObject } from '../kube/kube-object.js';
import type { KubeRest } from '../kube/rest-client.js';
import type { Clock } from '../time/clock.js';
import { controllerOf, keyOf, spec, str } from './objects.js';

/** The resources the simulated control plane watches, cluster-wide, like kube-controller-manager does. */
export const WATCHED = {
  pods: '/api/v1/pods',
  nodes: '/api/v1/nodes',
  deployments: '/apis/apps/v1/deployments',
  replicasets: '/apis/apps/v1/replicasets',
  statefulsets: '/apis/apps/v1/statefulsets',
  controllerrevisions: '/apis/apps/v1/controllerrevisions',
  poddisruptionbudgets: '/apis/policy/v1/poddisruptionbudgets',
} as const;
export type Watched = keyof typeof WATCHED;

export type ChangeHandler = (type: InformerEventType, object: KubeObject) => void;

/** Objects of one resource grouped by their controller's uid, kept up to date by the informer. */
class OwnerIndex {
  private readonly byOwner = new Map<string, Map<string, KubeObject>>();
  private readonly ownerOfKey = new Map<string, string>();

  apply(type: InformerEventType, object: KubeObject): void {
    const key = keyOf(object);
    const previous = this.ownerOfKey.get(key);
    if (previous !== undefined) {
      this.byOwner.get(previous)?.delete(key);
      if (this.byOwner.get(previous)?.size === 0) this.byOwner.delete(previous);
      this.ownerOfKey.delete(key);
    }
    if (type === 'delete') return;
    const owner = controllerOf(object)?.uid;
    if (!owner) return;
    let bucket = this.byOwner.get(owner);
    if (!bucket) {
      bucket = new Map();
      this.byOwner.set(owner, bucket);
    }
    bucket.set(key, object);
    this.ownerOfKey.set(key, owner);
  }

  of(ownerUid: string): KubeObject[] {
    return [...(this.byOwner.get(ownerUid)?.values() ?? [])];
  }
}

/** Pods grouped by spec.nodeName. */
class NodeIndex {
  private readonly byNode = new Map<string, Map<string, KubeObject>>();
  private readonly nodeOfKey = new Map<string, string>();

  apply(type: InformerEventType, pod: KubeObject): void {
    const key = keyOf(pod);
    const previous = this.nodeOfKey.get(key);
    if (previous !== undefined) {
      this.byNode.get(previous)?.delete(key);
      this.nodeOfKey.delete(key);
    }
    const node = str(spec(pod).nodeName);
    if (type === 'delete' || !node) return;
    let bucket = this.byNode.get(node);
    if (!bucket) {
      bucket = new Map();
      this.byNode.set(node, bucket);
    }
    bucket.set(key, pod);
    this.nodeOfKey.set(key, node);
  }

  on(node: string): KubeObject[] {
    return [...(this.byNode.get(node)?.values() ?? [])];
  }
}

/** Informer caches of everything the simulator reads, with the indexes its controllers query. */
export class ClusterState {
  private readonly informers: Record<Watched, Informer>;
  private readonly owned: Record<'pods' | 'replicasets' | 'controllerrevisions', OwnerIndex> = {
    pods: new OwnerIndex(),
    replicasets: new OwnerIndex(),
    controllerrevisions: new OwnerIndex(),
  };
  private readonly podsOnNodes = new NodeIndex();
  private readonly podsByNamespace = new Map<string, Map<string, KubeObject>>();
  private readonly uids = new Map<string, KubeObject>();
  /** Order in which objects were first seen: breaks ties between creationTimestamps of the same second. */
  private readonly seen = new Map<string, number>();
  private seenCounter = 0;

  constructor(rest: KubeRest, clock: Clock, logger: Logger) {
    const make = (path: string) =>
      new Informer({
        rest,
        path,
        clock,
        logger: logger.child({ informer: path }),
        relistIntervalMs: 30 * 60_000,
      });
    this.informers = Object.fromEntries(
      Object.entries(WATCHED).map(([name, path]) => [name, make(path)]),
    ) as Record<Watched, Informer>;
    for (const name of ['pods', 'replicasets', 'controllerrevisions'] as const) {
      this.informers[name].on((type, object) => this.owned[name].apply(type, object));
    }
    this.informers.pods.on((type, pod) => {
      this.podsOnNodes.apply(type, pod);
      const ns = pod.metadata.namespace ?? '';
      let bucket = this.podsByNamespace.get(ns);
      if (!bucket) {
        bucket = new Map();
        this.podsByNamespace.set(ns, bucket);
      }
      if (type === 'delete') bucket.delete(pod.metadata.name);
      else bucket.set(pod.metadata.name, pod);
    });
    for (const name of [
      'deployments',
      'statefulsets',
      'replicasets',
      'pods',
      'controllerrevisions',
    ] as const) {
      this.informers[name].on((type, object) => {
        const uid = object.metadata.uid;
        if (!uid) return;
        if (type === 'delete') {
          this.uids.delete(uid);
          this.seen.delete(uid);
        } else {
          this.uids.set(uid, object);
          if (!this.seen.has(uid)) this.seen.set(uid, ++this.seenCounter);
        }
      });
    }
  }

  on(resource: Watched, handler: ChangeHandler): void {
    this.informers[resource].on(handler);
  }

  start(): void {
    for (const informer of Object.values(this.informers)) informer.start();
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.informers).map((i) => i.stop()));
  }

  hasSynced(): boolean {
    return Object.values(this.informers).every((i) => i.hasSynced());
  }

  get(resource: Watched, key: string): KubeObject | undefined {
    return this.informers[resource].get(key);
  }

  list(resource: Watched): KubeObject[] {
    return this.informers[resource].list();
  }

  /** A Deployment, StatefulSet, ReplicaSet or Pod by uid. */
  byUid(uid: string): KubeObject | undefined {
    return this.uids.get(uid);
  }

  firstSeen(uid: string): number {
    return this.seen.get(uid) ?? 0;
  }

  ownedBy(resource: 'pods' | 'replicasets' | 'controllerrevisions', ownerUid: string): KubeObject[] {
    return this.owned[resource].of(ownerUid);
  }

  podsIn(namespace: string): KubeObject[] {
    return [...(this.podsByNamespace.get(namespace)?.values() ?? [])];
  }

  podsOn(node: string): KubeObject[] {
    return this.podsOnNodes.on(node);
  }
}
