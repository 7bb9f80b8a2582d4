import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import { ApiError } from '../../src/sandbox/api-error.js';
import { ObjectStore, type StoreEvent } from '../../src/sandbox/object-store.js';
import { RequestLog } from '../../src/sandbox/request-log.js';

const obj = (namespace: string | undefined, name: string): JsonObject => ({
  metadata: namespace ? { namespace, name } : { name },
});
const names = (objects: JsonObject[]) =>
  objects.map((o) => {
    const m = o.metadata as JsonObject;
    return m.namespace ? `${m.namespace}/${m.name}` : String(m.name);
  });

describe('ObjectStore history', () => {
  it('answers changesSince like a scan of the full history, across trimming, and 410 before it', () => {
    const store = new ObjectStore(16);
    const all: StoreEvent[] = [];
    store.subscribe((e) => all.push(e));
    for (let i = 0; i < 200; i++) {
      const key = i % 3 === 0 ? 'b' : 'a';
      if (i % 7 === 6) store.remove('a', 'ns', `o${i - 6}`);
      else store.put(key, obj('ns', `o${i}`), 'ADDED');
      const compacted = store.compactedResourceVersion;
      const retained = all.filter((e) => e.resourceVersion > compacted);
      expect(retained.length).toBe(Math.min(16, all.length));
      for (const from of [compacted, compacted + 3, store.resourceVersion - 1, store.resourceVersion]) {
        for (const storageKey of ['a', 'b']) {
          const expected = retained.filter((e) => e.resourceVersion > from && e.storageKey === storageKey);
          expect(store.changesSince(from, storageKey)).toEqual(expected);
        }
      }
      if (compacted > 0) expect(() => store.changesSince(compacted - 1, 'a')).toThrow(ApiError);
    }
  });

  it('forgets everything on compact()', () => {
    const store = new ObjectStore();
    store.put('a', obj('ns', 'x'), 'ADDED');
    const rv = store.resourceVersion;
    store.compact();
    expect(store.compactedResourceVersion).toBe(rv);
    expect(store.changesSince(rv, 'a')).toEqual([]);
    expect(() => store.changesSince(rv - 1, 'a')).toThrow(/too old resource version/);
    store.put('a', obj('ns', 'y'), 'ADDED');
    expect(store.changesSince(rv, 'a').map((e) => e.resourceVersion)).toEqual([rv + 1]);
  });
});

describe('ObjectStore lists', () => {
  it('lists in namespace/name order and a namespace without its prefix neighbours, as objects change', () => {
    const store = new ObjectStore();
    const put = (ns: string, name: string) => store.put('pods', obj(ns, name), 'ADDED');
    for (const [ns, name] of [
      ['b', 'x'],
      ['a', 'z'],
      ['a-b', 'y'],
      ['ab', 'w'],
      ['a', 'b'],
      ['A', 'q'],
    ] as const)
      put(ns, name);
    expect(names(store.list('pods'))).toEqual(['A/q', 'a-b/y', 'a/b', 'a/z', 'ab/w', 'b/x']);
    expect(names(store.list('pods', 'a'))).toEqual(['a/b', 'a/z']);
    expect(names(store.list('pods', 'a-b'))).toEqual(['a-b/y']);
    expect(store.list('pods', 'c')).toEqual([]);
    put('a', 'm');
    store.remove('pods', 'a', 'b');
    expect(names(store.list('pods', 'a'))).toEqual(['a/m', 'a/z']);
    store.put('pods', { metadata: { namespace: 'a', name: 'm' }, spec: { v: 2 } }, 'MODIFIED');
    expect(store.list('pods', 'a')[0]?.spec).toEqual({ v: 2 });
    expect(names(store.list('pods'))).toEqual(['A/q', 'a-b/y', 'a/m', 'a/z', 'ab/w', 'b/x']);
  });

  it('hands out copies from list and get, never the stored objects', () => {
    const store = new ObjectStore();
    store.put('cms', obj(undefined, 'c'), 'ADDED');
    (store.list('cms')[0]?.metadata as JsonObject).name = 'changed';
    (store.get('cms', undefined, 'c')?.metadata as JsonObject).name = 'changed';
    expect(names(store.list('cms'))).toEqual(['c']);
  });
});

describe('RequestLog', () => {
  it('keeps the newest entries once over its limit, and derives plain arrays', () => {
    const log = RequestLog.bounded<{ seq: number }>(10);
    for (let seq = 1; seq <= 100; seq++) {
      log.push({ seq });
      expect(log.length).toBeLessThanOrEqual(11);
      expect(log.at(-1)?.seq).toBe(seq);
    }
    const seqs = log.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: log.length }, (_, i) => 101 - log.length + i));
    expect(log.filter((e) => e.seq > 95)).toEqual([96, 97, 98, 99, 100].map((seq) => ({ seq })));
    expect(log.slice(0) instanceof RequestLog).toBe(false);
    expect(Object.keys(log)).toEqual(seqs.map((_, i) => String(i)));
  });
});
