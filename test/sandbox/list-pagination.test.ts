import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import { type ListQuery, paginate, parseListQuery } from '../../src/sandbox/list-query.js';
import type { ObjectStore } from '../../src/sandbox/object-store.js';
import type { ResourceType } from '../../src/sandbox/resource-type.js';

const store = { resourceVersion: 7, compactedResourceVersion: 0 } as unknown as ObjectStore;
const podType = { selectableFields: ['status.phase', 'spec.nodeName'] } as unknown as ResourceType;
const query = (params: string): ListQuery => parseListQuery(podType, new URLSearchParams(params));

/** Stored pods in key order (namespace/name), every third one on node-b. */
const pods: JsonObject[] = Array.from({ length: 1_000 }, (_, i) => ({
  metadata: { namespace: 'shop', name: `p-${String(i).padStart(4, '0')}`, labels: { n: String(i % 3) } },
  spec: { nodeName: i % 3 === 0 ? 'node-b' : 'node-a' },
}));

/** Pages through the whole list as an informer does; counts the objects converted. */
function pageThrough(params: string, limit: number) {
  let converted = 0;
  const names: string[] = [];
  const remaining: (number | undefined)[] = [];
  let token: string | undefined;
  do {
    const q = query(`${params}&limit=${limit}${token ? `&continue=${token}` : ''}`);
    const page = paginate(
      pods,
      (stored) => {
        converted++;
        const selected = q.labelSelector.requirements.length === 0 || (stored.metadata as JsonObject).labels;
        return selected && (params === '' || (stored.metadata as { labels: { n: string } }).labels.n === '0')
          ? stored
          : undefined;
      },
      q,
      store,
    );
    names.push(...page.items.map((o) => String((o.metadata as JsonObject).name)));
    remaining.push(page.remaining);
    token = page.continueToken;
  } while (token);
  return { converted, names, remaining };
}

describe('a paged list converts only the objects of its pages', () => {
  it('without selectors: every object once, in key order, remainingItemCount counted', () => {
    const { converted, names, remaining } = pageThrough('', 100);
    expect(names).toEqual(pods.map((p) => (p.metadata as JsonObject).name));
    // Quadratic before: each of the 10 pages converted all 1,000.
    expect(converted).toBe(1_000);
    expect(remaining).toEqual([900, 800, 700, 600, 500, 400, 300, 200, 100, undefined]);
  });

  it('with a selector: only matching objects, the rest of the list matched to count what remains', () => {
    const { names, remaining } = pageThrough('labelSelector=n%3D0', 100);
    expect(names).toHaveLength(334);
    expect(names.every((n) => Number(n.slice(2)) % 3 === 0)).toBe(true);
    expect(remaining).toEqual([234, 134, 34, undefined]);
  });
});
