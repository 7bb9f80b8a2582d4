import { describe, expect, it } from 'vitest';
import {
  type ActionType,
  checkGates,
  type GateInput,
  type OwnershipHandling,
} from '../../src/remediation/gates.js';
import { passing } from './gate-input.js';

describe('checkGates: ownership (gate 3)', () => {
  const ACTIONS: ActionType[] = ['RestartPod', 'RolloutRestart', 'Scale', 'Rollback', 'RecommendOnly'];

  function owned(handling: OwnershipHandling, type: ActionType): GateInput {
    const input = passing();
    input.config.ownership = { gitOps: handling, helm: 'Refuse', operator: 'Refuse' };
    input.ownership = { gitOps: { tool: 'ArgoCD', marker: 'annotation argocd.argoproj.io/tracking-id' } };
    input.action = { type };
    return input;
  }

  it.each(ACTIONS)('Refuse skips %s with a Warning', (type) => {
    expect(checkGates(owned('Refuse', type))).toEqual({
      allowed: false,
      reason: 'OwnedByGitOps',
      eventType: 'Warning',
      recommend: false,
      message:
        'owned by Argo CD (annotation argocd.argoproj.io/tracking-id); safety.ownership.gitOps is Refuse, ' +
        'so Deployment shop/web is left alone',
    });
  });

  it.each(ACTIONS)('Recommend turns %s into a Normal recommendation', (type) => {
    expect(checkGates(owned('Recommend', type))).toMatchObject({
      allowed: false,
      reason: 'OwnedByGitOps',
      eventType: 'Normal',
      recommend: true,
    });
  });

  it.each([
    ['RestartPod', true],
    ['RecommendOnly', true],
    ['RolloutRestart', false],
    ['Scale', false],
    ['Rollback', false],
  ] as const)('AllowNonConflicting: %s runs: %s', (type, runs) => {
    const result = checkGates(owned('AllowNonConflicting', type));
    if (runs) expect(result).toEqual({ allowed: true });
    else
      expect(result).toMatchObject({
        allowed: false,
        reason: 'OwnedByGitOps',
        eventType: 'Normal',
        recommend: true,
      });
  });

  it('AllowNonConflicting still lets later gates decide (dry-run)', () => {
    const input = owned('AllowNonConflicting', 'RestartPod');
    input.config.dryRun = true;
    expect(checkGates(input)).toMatchObject({ reason: 'DryRun' });
  });

  it('the recommendation message says what would have been done', () => {
    const input = owned('AllowNonConflicting', 'Scale');
    input.action.detail = 'to 4 replicas';
    expect(checkGates(input)).toMatchObject({
      message:
        'owned by Argo CD (annotation argocd.argoproj.io/tracking-id); safety.ownership.gitOps is ' +
        'AllowNonConflicting and Scale changes the declared spec: recommending to scale Deployment shop/web ' +
        'to 4 replicas instead of acting',
    });
  });

  it('a refusal from any manager beats a recommendation from another', () => {
    const input = owned('Recommend', 'RolloutRestart');
    input.ownership.operator = { kind: 'WebApp', name: 'web' };
    expect(checkGates(input)).toMatchObject({
      reason: 'OwnedByOperator',
      eventType: 'Warning',
      recommend: false,
    });
  });

  it('Helm with Recommend handling', () => {
    const input = passing();
    input.ownership = { helm: { release: 'shop', marker: 'annotation meta.helm.sh/release-name' } };
    expect(checkGates(input)).toMatchObject({
      reason: 'OwnedByHelm',
      recommend: true,
      message:
        'owned by Helm release shop (annotation meta.helm.sh/release-name); safety.ownership.helm is Recommend: ' +
        'recommending to rollout-restart Deployment shop/web instead of acting',
    });
  });

  describe('autoscaler', () => {
    const hpa = { kind: 'HorizontalPodAutoscaler' as const, name: 'keda-hpa-web' };

    it.each(ACTIONS)('blocks only Scale (%s)', (type) => {
      const input = passing();
      input.ownership = { autoscaler: hpa };
      input.action = { type };
      const result = checkGates(input);
      if (type === 'Scale') {
        expect(result).toEqual({
          allowed: false,
          reason: 'AutoscalerOwned',
          eventType: 'Warning',
          recommend: false,
          message:
            'HorizontalPodAutoscaler keda-hpa-web scales Deployment shop/web; Scale never fights an autoscaler',
        });
      } else {
        expect(result).toEqual({ allowed: true });
      }
    });

    it('blocks Scale regardless of ownership handling, even where a recommendation would otherwise be made', () => {
      for (const handling of ['Recommend', 'AllowNonConflicting'] as const) {
        const input = owned(handling, 'Scale');
        input.ownership.autoscaler = hpa;
        expect(checkGates(input)).toMatchObject({ reason: 'AutoscalerOwned', recommend: false });
      }
    });
  });
});
