/**
 * Due times by key (a binary min-heap with lazy invalidation): the kubelet keeps one entry per pod for its next
 * visible change, so ten thousand quiet pods cost nothing until one of them is due.
 */
export class TimerHeap {
  private heap: Array<{ at: number; key: string }> = [];
  private readonly due = new Map<string, number>();

  /** Sets (or moves) the key's due time; undefined removes it. */
  set(key: string, at: number | undefined): void {
    if (at === undefined) {
      this.due.delete(key);
      return;
    }
    if (this.due.get(key) === at) return;
    this.due.set(key, at);
    this.push({ at, key });
  }

  /** The earliest due time, if any. */
  peek(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Removes and returns every key due at or before t. */
  popDue(t: number): string[] {
    const out: string[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.at > t) return out;
      this.pop();
      this.due.delete(top.key);
      out.push(top.key);
    }
  }

  get size(): number {
    return this.due.size;
  }

  private dropStale(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0] as { at: number; key: string };
      if (this.due.get(top.key) === top.at) return;
      this.pop();
    }
  }

  private push(entry: { at: number; key: string }): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((h[parent] as { at: number }).at <= entry.at) break;
      h[i] = h[parent] as { at: number; key: string };
      i = parent;
    }
    h[i] = entry;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      let value = last.at;
      if (l < h.length && (h[l] as { at: number }).at < value) {
        smallest = l;
        value = (h[l] as { at: number }).at;
      }
      if (r < h.length && (h[r] as { at: number }).at < value) smallest = r;
      if (smallest === i) break;
      h[i] = h[smallest] as { at: number; key: string };
      i = smallest;
    }
    h[i] = last;
  }
}
