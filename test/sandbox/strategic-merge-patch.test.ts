import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../src/json/json-value.js';
import { applyStrategicMergePatch, PatchError } from '../../src/sandbox/strategic-merge-patch.js';

function deployment(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, finalizers: ['a.io/x'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
            { name: 'sidecar', image: 'busybox:1.36', args: ['sleep', '3600'] },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  };
}

function containers(obj: JsonValue): JsonObject[] {
  const spec = (obj as JsonObject).spec as JsonObject;
  return ((spec.template as JsonObject).spec as JsonObject).containers as JsonObject[];
}

function templateSpec(patch: JsonObject): JsonObject {
  return { spec: { template: { spec: patch } } };
}

describe('applyStrategicMergePatch: what kubectl sends for a Deployment', () => {
  it('changes one container image among two (kubectl apply with $setElementOrder)', () => {
    const patch = templateSpec({
      '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
      containers: [{ image: 'nginx:1.26', name: 'web' }],
    });
    const out = applyStrategicMergePatch(deployment(), patch);
    const cs = containers(out);
    expect(cs.map((c) => [c.name, c.image])).toEqual([
      ['web', 'nginx:1.26'],
      ['sidecar', 'busybox:1.36'],
    ]);
    // Untouched parts of the merged container survive.
    expect(cs[0]?.env).toEqual(containers(deployment())[0]?.env);
    expect(JSON.stringify(out)).not.toContain('$setElementOrder');
  });

  it('changes the second container image with kubectl patch (no order directive)', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      templateSpec({ containers: [{ name: 'sidecar', image: 'busybox:1.37' }] }),
    );
    expect(containers(out).map((c) => [c.name, c.image])).toEqual([
      ['web', 'nginx:1.25'],
      ['sidecar', 'busybox:1.37'],
    ]);
  });

  it('adds an env var, ordered by $setElementOrder/env', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      templateSpec({
        '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
        containers: [
          {
            '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }, { name: 'C' }],
            env: [{ name: 'C', value: '3' }],
            name: 'web',
          },
        ],
      }),
    );
    expect(containers(out)[0]?.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
      { name: 'C', value: '3' },
    ]);
  });

  it('puts a new item first without $setElementOrder, as upstream does', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      templateSpec({ containers: [{ name: 'web', env: [{ name: 'C', value: '3' }] }] }),
    );
    const env = containers(out)[0]?.env as JsonObject[];
    expect(env.map((e) => e.name)).toEqual(['C', 'A', 'B']);
  });

  it('removes an env var and a container with $patch: delete', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      templateSpec({
        '$setElementOrder/containers': [{ name: 'web' }],
        containers: [
          { $patch: 'delete', name: 'sidecar' },
          { name: 'web', env: [{ $patch: 'delete', name: 'A' }] },
        ],
      }),
    );
    expect(containers(out).map((c) => c.name)).toEqual(['web']);
    expect(containers(out)[0]?.env).toEqual([{ name: 'B', value: '2' }]);
  });

  it('reorders containers with $setElementOrder alone', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      templateSpec({ '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }] }),
    );
    expect(containers(out).map((c) => c.name)).toEqual(['sidecar', 'web']);
  });

  it('scales and relabels with plain map merging, deleting with null', () => {
    const out = applyStrategicMergePatch(deployment(), {
      metadata: { labels: { tier: 'edge', app: null } },
      spec: { replicas: 5 },
    }) as JsonObject;
    expect((out.metadata as JsonObject).labels).toEqual({ tier: 'edge' });
    expect((out.spec as JsonObject).replicas).toBe(5);
  });

  it('switches the strategy type with $retainKeys (kubectl apply)', () => {
    const out = applyStrategicMergePatch(deployment(), {
      spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } },
    }) as JsonObject;
    expect((out.spec as JsonObject).strategy).toEqual({ type: 'Recreate' });
  });
});

describe('applyStrategicMergePatch: list strategies', () => {
  it('merges container ports by containerPort and service ports by port', () => {
    const c = applyStrategicMergePatch(
      deployment(),
      templateSpec({
        containers: [{ name: 'web', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }],
      }),
    );
    expect(containers(c)[0]?.ports).toEqual([
      { containerPort: 80, protocol: 'TCP', name: 'http' },
      { containerPort: 443 },
    ]);
    const svc = {
      spec: {
        ports: [
          { port: 80, targetPort: 8080 },
          { port: 443, targetPort: 8443 },
        ],
      },
    };
    const s = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 443, targetPort: 9443 }] } });
    expect(s).toEqual({
      spec: {
        ports: [
          { port: 80, targetPort: 8080 },
          { port: 443, targetPort: 9443 },
        ],
      },
    });
  });

  it('merges volumeMounts by mountPath, conditions by type, ownerReferences by uid', () => {
    const pod = {
      metadata: { ownerReferences: [{ uid: 'u1', name: 'rs-1' }] },
      spec: { containers: [{ name: 'c', volumeMounts: [{ name: 'a', mountPath: '/a' }] }] },
      status: {
        conditions: [
          { type: 'Ready', status: 'False' },
          { type: 'PodScheduled', status: 'True' },
        ],
      },
    };
    const out = applyStrategicMergePatch(pod, {
      metadata: { ownerReferences: [{ uid: 'u1', controller: true }] },
      spec: { containers: [{ name: 'c', volumeMounts: [{ name: 'b', mountPath: '/a', readOnly: true }] }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(out).toEqual({
      metadata: { ownerReferences: [{ uid: 'u1', name: 'rs-1', controller: true }] },
      spec: { containers: [{ name: 'c', volumeMounts: [{ name: 'b', mountPath: '/a', readOnly: true }] }] },
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'PodScheduled', status: 'True' },
        ],
      },
    });
  });

  it('merges schedulingGates and ServiceAccount secrets by name', () => {
    const out = applyStrategicMergePatch(
      { secrets: [{ name: 'a' }], spec: { schedulingGates: [{ name: 'g1' }] } },
      { secrets: [{ name: 'b' }], spec: { schedulingGates: [{ $patch: 'delete', name: 'g1' }] } },
    );
    expect(out).toEqual({ secrets: [{ name: 'b' }, { name: 'a' }], spec: { schedulingGates: [] } });
  });

  it('unions metadata.finalizers and deletes with $deleteFromPrimitiveList', () => {
    const added = applyStrategicMergePatch(deployment(), { metadata: { finalizers: ['b.io/y', 'a.io/x'] } });
    expect(((added as JsonObject).metadata as JsonObject).finalizers).toEqual(['b.io/y', 'a.io/x']);
    const removed = applyStrategicMergePatch(added, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a.io/x'] },
    });
    expect(((removed as JsonObject).metadata as JsonObject).finalizers).toEqual(['b.io/y']);
  });

  it('replaces lists that are not in the table (args, tolerations)', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      templateSpec({
        containers: [{ name: 'sidecar', args: ['sleep', '10'] }],
        tolerations: [{ key: 'k', operator: 'Exists' }],
      }),
    );
    expect(containers(out)[1]?.args).toEqual(['sleep', '10']);
    const ts = ((out as JsonObject).spec as JsonObject).template as JsonObject;
    expect((ts.spec as JsonObject).tolerations).toEqual([{ key: 'k', operator: 'Exists' }]);
  });

  it('replaces a merge list with $patch: replace', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      templateSpec({
        volumes: [{ name: 'cache', emptyDir: {} }, { $patch: 'replace' }],
      }),
    );
    const ts = ((out as JsonObject).spec as JsonObject).template as JsonObject;
    expect((ts.spec as JsonObject).volumes).toEqual([{ name: 'cache', emptyDir: {} }]);
  });

  it('handles map-level $patch: replace and delete', () => {
    const orig = { spec: { selector: { matchLabels: { a: '1' }, matchExpressions: [] }, other: { x: 1 } } };
    expect(
      applyStrategicMergePatch(orig, { spec: { selector: { $patch: 'replace', matchLabels: { b: '2' } } } }),
    ).toEqual({ spec: { selector: { matchLabels: { b: '2' } }, other: { x: 1 } } });
    expect(applyStrategicMergePatch(orig, { spec: { other: { $patch: 'delete' } } })).toEqual({
      spec: { selector: { matchLabels: { a: '1' }, matchExpressions: [] }, other: {} },
    });
  });

  it('drops directives and nulls from values that had no original', () => {
    const out = applyStrategicMergePatch(
      {},
      {
        spec: {
          template: {
            spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'a', x: null }] },
          },
        },
      },
    );
    expect(out).toEqual({ spec: { template: { spec: { containers: [{ name: 'a' }] } } } });
  });

  it('leaves the original untouched', () => {
    const orig = deployment();
    applyStrategicMergePatch(orig, templateSpec({ containers: [{ name: 'web', image: 'x' }] }));
    expect(orig).toEqual(deployment());
  });
});

describe('applyStrategicMergePatch: malformed patches', () => {
  const bad = (patch: JsonValue, message: RegExp | string) => {
    expect(() => applyStrategicMergePatch(deployment(), patch)).toThrow(PatchError);
    expect(() => applyStrategicMergePatch(deployment(), patch)).toThrow(message);
  };

  it('rejects non-object patches', () => {
    bad([{ op: 'replace' }], /must be a JSON object/);
    bad('x', /must be a JSON object/);
  });

  it('rejects items without the merge key and unknown directives', () => {
    bad(
      templateSpec({ containers: [{ image: 'x' }] }),
      'map: {"image":"x"} does not contain declared merge key: name',
    );
    bad(
      templateSpec({ containers: [{ $patch: 'delete', image: 'x' }] }),
      /does not contain declared merge key: name/,
    );
    bad({ spec: { $patch: 'explode' } }, 'unknown patch type: "explode" in map: {"$patch":"explode"}');
    bad(
      templateSpec({ containers: [{ $patch: 'merge' }] }),
      'merging lists cannot yet be specified in the patch',
    );
    bad(templateSpec({ containers: [{ $patch: 'nope', name: 'web' }] }), /unknown patch type: "nope"/);
  });

  it('rejects malformed directive values', () => {
    bad({ spec: { strategy: { $retainKeys: 'type' } } }, /invalid patch format of retainKeys/);
    bad({ spec: { $patch: 'merge' } }, 'unknown patch type: "merge" in map: {"$patch":"merge"}');
    bad(
      { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } },
      /\$retainKeys lacks "rollingUpdate"/,
    );
    bad(
      { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } },
      /invalid patch format of primitive list/,
    );
    bad(
      templateSpec({ '$setElementOrder/containers': { name: 'web' } }),
      /invalid patch format of setElementOrder list/,
    );
    bad(
      templateSpec({ '$setElementOrder/containers': [{ image: 'x' }] }),
      /does not contain declared merge key: name/,
    );
    bad(
      templateSpec({
        '$setElementOrder/containers': [{ name: 'web' }],
        containers: [{ name: 'sidecar', image: 'y' }],
      }),
      /The order in patch list: .* doesn't match \$setElementOrder\/containers list/,
    );
    bad({ metadata: { finalizers: [{ a: 1 }] } }, /list of primitives/);
  });
});
