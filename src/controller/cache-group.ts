import type { Logger } from 'pino';
import type { KubeObject } from '../kube/kube-object.js';
import type { KubeRest } from '../kube/rest-client.js';
import type { Clock } from '../time/clock.js';
import { cachedForm } from './cache-object.js';
import { Informer, type InformerHandler, type InformerStats } from './informer.js';

export interface CacheGroupOptions {
  /** Name in logs and health, e.g. "deployments". */
  resource: string;
  /** Collection path prefix, e.g. /apis/apps/v1 (namespaced collections are built from it). */
  groupVersionPath: string;
  plural: string;
  /** Empty: one cluster-wide watch. Otherwise one watch per namespace (least privilege RBAC). */
  namespaces: readonly string[];
  /**
   * A cluster-scoped resource (Namespace, ClusterRemediationPolicy) has no per-namespace collection: it is always
   * one cluster-wide watch, whatever `namespaces` says.
   */
  clusterScoped?: boolean;
  rest: KubeRest;
  clock: Clock;
  logger: Logger;
  relistIntervalMs: number;
  silenceTimeoutMs: number;
  /** Marks each (re)list as work in progress (InformerOptions.attend). */
  attend?: () => () => void;
}

/** One resource's cache across the watched namespaces: a single informer, or one per namespace. */
export class CacheGroup {
  readonly resource: string;
  private readonly informers: Informer[];

  constructor(o: CacheGroupOptions) {
    this.resource = o.resource;
    const paths =
      o.clusterScoped || o.namespaces.length === 0
        ? [`${o.groupVersionPath}/${o.plural}`]
        : o.namespaces.map((ns) => `${o.groupVersionPath}/namespaces/${encodeURIComponent(ns)}/${o.plural}`);
    this.informers = paths.map(
      (path) =>
        new Informer({
          rest: o.rest,
          path,
          clock: o.clock,
          logger: o.logger.child({ resource: o.resource }),
          relistIntervalMs: o.relistIntervalMs,
          silenceTimeoutMs: o.silenceTimeoutMs,
          transform: (object) => cachedForm(o.resource, object),
          ...(o.attend ? { attend: o.attend } : {}),
        }),
    );
  }

  on(handler: InformerHandler): void {
    for (const informer of this.informers) informer.on(handler);
  }

  start(): void {
    for (const informer of this.informers) informer.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  list(): KubeObject[] {
    return this.informers.flatMap((i) => i.list());
  }

  /** Moves whenever any of its informers' caches changes (Informer.revision): the sum of theirs. */
  revision(): number {
    let sum = 0;
    for (const informer of this.informers) sum += informer.revision();
    return sum;
  }

  get(key: string): KubeObject | undefined {
    for (const informer of this.informers) {
      const found = informer.get(key);
      if (found) return found;
    }
    return undefined;
  }

  stats(): InformerStats[] {
    return this.informers.map((i) => i.getStats());
  }
}
