import { describe, expect, it } from 'vitest';
import { asKubeObject, cachedForm } from '../src/controller/cache-object.js';
import { statusSignals } from '../src/detection/status-signals.js';
import { kubeObjectSchema } from '../src/kube/kube-object.js';

const managedFields = [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }];

function pod(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      namespace: 'shop',
      uid: 'u1',
      resourceVersion: '7',
      labels: { app: 'web' },
      annotations: { 'prometheus.io/scrape': 'true' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs1', controller: true },
      ],
      managedFields,
    },
    spec: {
      nodeName: 'node-1',
      containers: [
        {
          name: 'app',
          image: 'registry/app:1',
          env: [{ name: 'A', value: 'b' }],
          resources: { limits: { cpu: '500m', memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'web' } }],
      tolerations: [{ key: 'k', operator: 'Exists' }],
    },
    status: {
      phase: 'Running',
      podIP: '10.0.0.1',
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'Ready', status: 'False', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' },
      ],
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 4,
          image: 'registry/app:1',
          imageID: 'sha256:abc',
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { reason: 'OOMKilled' } },
        },
      ],
    },
  };
}

describe('what the informer caches keep', () => {
  it('accepts exactly what kubeObjectSchema accepts, without copying the object', () => {
    const cases: unknown[] = [
      pod(),
      { metadata: { name: 'x' } },
      { metadata: {} },
      { metadata: { name: 'x', labels: { a: 1 } } },
      { metadata: { name: 'x', generation: '1' } },
      { metadata: { name: 'x', ownerReferences: [{ kind: 'ReplicaSet', name: 'r' }] } },
      {
        metadata: {
          name: 'x',
          ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'r', controller: 'yes' }],
        },
      },
      { kind: 3, metadata: { name: 'x' } },
      null,
      'pod',
    ];
    for (const value of cases) {
      expect(asKubeObject(value) !== undefined, JSON.stringify(value)).toBe(
        kubeObjectSchema.safeParse(value).success,
      );
    }
    const object = pod();
    expect(asKubeObject(object)).toBe(object);
  });

  it('drops managedFields from every object', () => {
    const hpa = {
      metadata: { name: 'web', namespace: 'shop', managedFields, annotations: { a: 'b' } },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 5 },
    };
    const cached = cachedForm('horizontalpodautoscalers', asKubeObject(hpa) as never);
    expect(cached).toEqual({ ...hpa, metadata: { name: 'web', namespace: 'shop', annotations: { a: 'b' } } });
    expect(hpa.metadata.managedFields).toBe(managedFields); // the received object is not mutated
  });

  it('keeps a workload without its pod template spec: replicas, selector, template labels, status', () => {
    const statefulSet = {
      metadata: { name: 'db', namespace: 'shop', annotations: { 'deployment.kubernetes.io/revision': '3' } },
      spec: {
        replicas: 3,
        paused: false,
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' }, annotations: { 'kubectl.kubernetes.io/restartedAt': 't' } },
          spec: { containers: [{ name: 'db', image: 'postgres', env: [{ name: 'A', value: 'b' }] }] },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: {} } }],
      },
      status: { replicas: 3, readyReplicas: 2 },
    };
    for (const resource of ['deployments', 'statefulsets', 'replicasets']) {
      expect(cachedForm(resource, asKubeObject(statefulSet) as never)).toEqual({
        metadata: statefulSet.metadata,
        spec: {
          replicas: 3,
          paused: false,
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: statefulSet.spec.template.metadata },
        },
        status: statefulSet.status,
      });
    }
  });

  it('keeps of a Pod what the engine reads, and the status signals read the same from it', () => {
    const full = pod();
    const cached = cachedForm('pods', asKubeObject(full) as never) as Record<string, unknown>;
    expect(cached).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...(full.metadata as object), managedFields: undefined },
      spec: {
        nodeName: 'node-1',
        containers: [{ name: 'app', resources: { limits: { cpu: '500m', memory: '256Mi' } } }],
      },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { reason: 'OOMKilled' } },
          },
        ],
      },
    });
    expect(statusSignals(cached)).toEqual(statusSignals(full));
  });
});
