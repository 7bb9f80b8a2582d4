import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { assessmentsFrom, PolicyReconciler } from '../src/controller/policy-reconciler.js';
import type { PolicyAssessment } from '../src/detection/assessment.js';
import { AssessmentStore } from '../src/detection/assessment-store.js';
import type { JsonObject } from '../src/json/json-value.js';
import { type KubeObject, kubeObjectSchema } from '../src/kube/kube-object.js';
import { NOT_EVALUATED_YET } from '../src/policy/policy-status.js';
import type { PolicyStatus } from '../src/policy/status-types.js';
import type { TargetRef } from '../src/policy/target-selection.js';
import { FakeClock } from './support/fake-clock.js';
import { testPolicy } from './support/policy-fixtures.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const solo: TargetRef = { kind: 'Pod', namespace: 'default', name: 'solo' };

/** An assessment that judged the one target anomalous, made for the given spec generation. */
function anomalousAt(generation: number): Parameters<AssessmentStore['set']>[1] {
  const assessment: PolicyAssessment = {
    policy: 'default/p',
    evaluatedAtMs: T0,
    targets: [{ target: solo, state: 'anomalous', pods: [] }],
    summary: { total: 1, healthy: 0, anomalous: 1, insufficientData: 0 },
    problems: [],
    warnings: [],
  };
  return { generation, ranAtMs: T0, assessment };
}

/** Reconciles policy p at `generation` and returns the status it would write. */
async function statusAt(generation: number, store: AssessmentStore): Promise<PolicyStatus> {
  const built = testPolicy('p').build();
  const policy: KubeObject = kubeObjectSchema.parse({
    ...built,
    metadata: { ...(built.metadata as object), generation, resourceVersion: '7' },
  });
  let written: JsonObject | undefined;
  const reconciler = new PolicyReconciler({
    policies: { get: () => policy },
    workloads: () => [{ ...solo, labels: {}, controlled: false, deleting: false }],
    statusWriter: {
      write: async (snapshot, compute) => {
        written = compute(snapshot);
        return 'written';
      },
    },
    events: { record: async () => {} },
    dependencies: () => ({
      prometheus: { state: 'ok', message: '' },
      mlService: { state: 'ok', message: '' },
    }),
    assessments: assessmentsFrom(store),
    cachesSynced: () => true,
    clock: new FakeClock(T0 + 5_000),
    logger: pino({ level: 'silent' }),
  });
  await reconciler.reconcile('default/p');
  return written as PolicyStatus;
}

describe('assessments apply only to the spec generation they were computed for', () => {
  it('uses an assessment of the current generation', async () => {
    const store = new AssessmentStore();
    store.set('default/p', anomalousAt(2));
    const status = await statusAt(2, store);
    expect(status.targets).toEqual({ total: 1, healthy: 0, anomalous: 1, insufficientData: 0 });
    expect(status.lastEvaluationTime).toBe(new Date(T0).toISOString());
  });

  it('ignores one made for an older spec: the target is unjudged until the new spec is evaluated', async () => {
    const store = new AssessmentStore();
    store.set('default/p', anomalousAt(1));
    const status = await statusAt(2, store);
    expect(status.targets).toEqual({
      total: 1,
      healthy: 0,
      anomalous: 0,
      insufficientData: 1,
      insufficient: [{ ...solo, reason: NOT_EVALUATED_YET }],
    });
    expect(status.lastEvaluationTime).toBeUndefined();
    expect(store.forGeneration('default/p', 2)).toBeUndefined();
    expect(store.forGeneration('default/p', 1)?.generation).toBe(1);
  });

  it('clear() drops every assessment (a new leadership term)', () => {
    const store = new AssessmentStore();
    store.set('default/p', anomalousAt(1));
    store.clear();
    expect(store.keys()).toEqual([]);
  });
});
