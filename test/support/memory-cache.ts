import { type InformerHandler, keyOf } from '../../src/controller/informer.js';
import type { KubeObject } from '../../src/kube/kube-object.js';

/**
 * An informer cache without the list+watch: the same list/get/on/revision surface, fed by put and remove (each an
 * event, as a watch delivers them). For unit tests and benchmarks of what reads the caches.
 */
export class MemoryCache {
  private readonly objects = new Map<string, KubeObject>();
  private readonly handlers: InformerHandler[] = [];
  private changes = 0;
  /** How many times list() was called: a reader that reuses what it derived calls it less. */
  lists = 0;

  constructor(initial: readonly KubeObject[] = []) {
    for (const object of initial) this.objects.set(keyOf(object), object);
    if (initial.length > 0) this.changes++;
  }

  list(): KubeObject[] {
    this.lists++;
    return [...this.objects.values()];
  }

  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  revision(): number {
    return this.changes;
  }

  on(handler: InformerHandler): void {
    this.handlers.push(handler);
  }

  /** Adds or replaces an object (a new object, as the informer's cache does), then tells the handlers. */
  put(object: KubeObject): void {
    const key = keyOf(object);
    const before = this.objects.get(key);
    this.objects.set(key, object);
    this.changes++;
    for (const handler of this.handlers) handler(before ? 'update' : 'add', object, before);
  }

  remove(key: string): void {
    const before = this.objects.get(key);
    if (!before) return;
    this.objects.delete(key);
    this.changes++;
    for (const handler of this.handlers) handler('delete', before, before);
  }
}
