import { describe, expect, it } from 'vitest';
import {
  type AutoscalerLike,
  classifyOwnership,
  type WorkloadLike,
} from '../../src/remediation/ownership.js';

const web: WorkloadLike = { kind: 'Deployment', namespace: 'shop', name: 'web' };

describe('classifyOwnership', () => {
  it('a plain workload has no manager', () => {
    expect(classifyOwnership(web, [])).toEqual({});
    expect(classifyOwnership({ ...web, labels: { 'app.kubernetes.io/managed-by': 'Kustomize' } })).toEqual(
      {},
    );
  });

  it.each([
    [
      'Argo CD tracking-id annotation',
      { annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/web' } },
      { tool: 'ArgoCD', marker: 'annotation argocd.argoproj.io/tracking-id' },
    ],
    [
      'Argo CD instance label',
      { labels: { 'argocd.argoproj.io/instance': 'shop' } },
      { tool: 'ArgoCD', marker: 'label argocd.argoproj.io/instance' },
    ],
    [
      'Flux Kustomization label',
      { labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps' } },
      { tool: 'Flux', marker: 'label kustomize.toolkit.fluxcd.io/name' },
    ],
    [
      'Flux HelmRelease label',
      { labels: { 'helm.toolkit.fluxcd.io/name': 'web' } },
      { tool: 'Flux', marker: 'label helm.toolkit.fluxcd.io/name' },
    ],
  ] as const)('GitOps: %s', (_name, meta, gitOps) => {
    expect(classifyOwnership({ ...web, ...meta })).toEqual({ gitOps });
  });

  it('Helm: managed-by label or release annotation', () => {
    expect(classifyOwnership({ ...web, labels: { 'app.kubernetes.io/managed-by': 'Helm' } })).toEqual({
      helm: { marker: 'label app.kubernetes.io/managed-by=Helm' },
    });
    expect(
      classifyOwnership({
        ...web,
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
        annotations: { 'meta.helm.sh/release-name': 'shop' },
      }),
    ).toEqual({ helm: { release: 'shop', marker: 'annotation meta.helm.sh/release-name' } });
  });

  it('a Flux HelmRelease is both Flux and Helm', () => {
    const o = classifyOwnership({
      ...web,
      labels: { 'helm.toolkit.fluxcd.io/name': 'web', 'app.kubernetes.io/managed-by': 'Helm' },
    });
    expect(o.gitOps?.tool).toBe('Flux');
    expect(o.helm).toBeDefined();
  });

  it('operator: a controller ownerReference on a Deployment/StatefulSet; non-controller references do not count', () => {
    const owned = {
      ...web,
      kind: 'StatefulSet',
      ownerReferences: [
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'anchor' },
        { apiVersion: 'postgres.example.com/v1', kind: 'PostgresCluster', name: 'db', controller: true },
      ],
    };
    expect(classifyOwnership(owned)).toEqual({ operator: { kind: 'PostgresCluster', name: 'db' } });
    expect(
      classifyOwnership({ ...web, ownerReferences: [{ kind: 'Thing', name: 'x', controller: false }] }),
    ).toEqual({});
  });

  it('a Pod controlled by a ReplicaSet is not operator-managed; by a custom controller it is', () => {
    const pod: WorkloadLike = { kind: 'Pod', namespace: 'shop', name: 'web-abc' };
    expect(
      classifyOwnership({
        ...pod,
        ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d9f', controller: true }],
      }),
    ).toEqual({});
    expect(
      classifyOwnership({
        ...pod,
        ownerReferences: [{ kind: 'SparkApplication', name: 'etl', controller: true }],
      }),
    ).toEqual({ operator: { kind: 'SparkApplication', name: 'etl' } });
  });

  it('autoscaler: an HPA in the same namespace whose scaleTargetRef names the workload (KEDA creates one)', () => {
    const hpas: AutoscalerLike[] = [
      { namespace: 'other', name: 'web', scaleTargetRef: { kind: 'Deployment', name: 'web' } },
      { namespace: 'shop', name: 'web-sts', scaleTargetRef: { kind: 'StatefulSet', name: 'web' } },
      {
        namespace: 'shop',
        name: 'keda-hpa-web',
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      },
    ];
    expect(classifyOwnership(web, hpas)).toEqual({
      autoscaler: { kind: 'HorizontalPodAutoscaler', name: 'keda-hpa-web' },
    });
    expect(classifyOwnership(web, hpas.slice(0, 2))).toEqual({});
  });
});
