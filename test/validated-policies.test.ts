import { describe, expect, it } from 'vitest';
import { ValidatedPolicies } from '../src/controller/validated-policies.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import { testPolicy } from './support/policy-fixtures.js';

const withMeta = (built: Record<string, unknown>, meta: Record<string, unknown>) => {
  const object = built as unknown as KubeObject;
  return { ...object, metadata: { ...object.metadata, ...meta } } as KubeObject;
};

describe('ValidatedPolicies', () => {
  const valid = testPolicy('p').inNamespace('a').build();
  const invalid = testPolicy('p').inNamespace('a').withSpecField('evaluationInterval', '1s').build();

  it('validates a spec generation once, and again when the generation moves', () => {
    const cache = new ValidatedPolicies();
    const first = cache.validate(withMeta(valid, { uid: 'u1', generation: 1 }));
    expect(first.valid).toBe(true);
    // A status write: same generation, new resourceVersion; the remembered answer is the very same object.
    expect(cache.validate(withMeta(valid, { uid: 'u1', generation: 1, resourceVersion: '9' }))).toBe(first);
    expect(cache.validate(withMeta(invalid, { uid: 'u1', generation: 2 })).valid).toBe(false);
    expect(cache.size).toBe(1);
  });

  it('tells a recreated policy (new uid) from the old one, and forgets a deleted one', () => {
    const cache = new ValidatedPolicies();
    cache.validate(withMeta(valid, { uid: 'u1', generation: 1 }));
    expect(cache.validate(withMeta(invalid, { uid: 'u2', generation: 1 })).valid).toBe(false);
    cache.forget(withMeta(valid, { uid: 'u1', generation: 1 }));
    expect(cache.size).toBe(1);
  });

  it('falls back to the resourceVersion, and validates every time when neither is known', () => {
    const cache = new ValidatedPolicies();
    expect(cache.validate(withMeta(valid, { resourceVersion: '1' })).valid).toBe(true);
    expect(cache.validate(withMeta(invalid, { resourceVersion: '2' })).valid).toBe(false);
    expect(cache.validate(withMeta(valid, {})).valid).toBe(true);
    expect(cache.validate(withMeta(invalid, {})).valid).toBe(false);
  });
});
