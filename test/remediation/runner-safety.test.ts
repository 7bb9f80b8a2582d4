import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RemediationGates } from '../../src/controller/remediation-gates.js';
import {
  type EpisodeRecord,
  type EpisodeStore,
  RemediationRunner,
} from '../../src/controller/remediation-runner.js';
import type { PolicyAssessment, TargetAssessment } from '../../src/detection/assessment.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import type { PolicySpec } from '../../src/policy/spec-schema.js';
import { validatePolicySpec } from '../../src/policy/validate.js';
import type { EpisodeStatus } from '../../src/remediation/episode.js';
import { testPolicy } from '../support/policy-fixtures.js';

/**
 * Safety of the runner where a pass meets a record it did not just write: a persisted intent whose step left the
 * policy, a resumed intent under a policy now in dry run, records of targets no longer assessed.
 */
const T0 = Date.parse('2026-12-01T10:00:00Z');
const NS = 'shop';
const policy: KubeObject = { kind: 'RemediationPolicy', metadata: { name: 'p', namespace: NS, uid: 'pol' } };
const deployment = (name: string): KubeObject => ({
  kind: 'Deployment',
  metadata: { name, namespace: NS, uid: `${name}-uid` },
  spec: { replicas: 2 },
});

function specOf(actions: Record<string, unknown>[], safety: Record<string, unknown> = {}): PolicySpec {
  const v = validatePolicySpec(
    testPolicy('p')
      .withActions(...actions)
      .withSafety({ dryRun: false, maxUnhealthy: '100%', maxConcurrent: 5, ...safety })
      .buildSpec(),
  );
  if (!v.valid) throw new Error(JSON.stringify(v.errors));
  return v.spec;
}

const assessed = (name: string, state: TargetAssessment['state'] = 'anomalous'): TargetAssessment => ({
  target: { kind: 'Deployment', namespace: NS, name },
  state,
  pods: [{ namespace: NS, pod: `${name}-1`, state, rules: [], missing: [] }],
});

function assessmentOf(targets: TargetAssessment[]): PolicyAssessment {
  const count = (s: TargetAssessment['state']) => targets.filter((t) => t.state === s).length;
  return {
    policy: `${NS}/p`,
    evaluatedAtMs: T0,
    targets,
    summary: {
      total: targets.length,
      healthy: count('healthy'),
      anomalous: count('anomalous'),
      insufficientData: count('insufficient_data'),
    },
    problems: [],
    warnings: [],
  };
}

const record = (name: string, status: EpisodeStatus, extra: Partial<EpisodeRecord> = {}): EpisodeRecord => ({
  name: `p-${name}`,
  namespace: NS,
  targetUid: `${name}-uid`,
  target: { kind: 'Deployment', namespace: NS, name },
  open: true,
  dryRun: false,
  resetRequested: false,
  status,
  ...extra,
});

function harness(existing: EpisodeRecord[], cluster: KubeObject[], happened = false) {
  const records = new Map(existing.map((r) => [r.name, structuredClone(r)]));
  const executed: string[] = [];
  const events: string[] = [];
  const store: EpisodeStore = {
    list: async () => [...records.values()].map((r) => structuredClone(r)),
    create: async (_p, target, status) => {
      const r = record(target.metadata.name, status);
      records.set(r.name, r);
      return structuredClone(r);
    },
    update: async (r, status, open) => {
      const next = { ...r, status, open };
      records.set(r.name, next);
      return structuredClone(next);
    },
    collect: async () => 0,
  };
  const gates = new RemediationGates({ namespaceLabels: () => ({}), autoscalers: () => [] }, new Set());
  const runner = new RemediationRunner({
    store,
    executor: {
      prepare: (intent) => intent,
      happened: async () => happened,
      execute: async (intent, _step, target) => {
        executed.push(`${target.metadata.name}:${intent.id}`);
        return { result: 'done', message: 'done' };
      },
    },
    workload: (t) => cluster.find((o) => o.metadata.name === t.name && o.kind === t.kind),
    gates: (context, step, episode) => gates.check(context, step, episode),
    storm: (p, s, a, nowMs) => gates.storm(p, s, a, nowMs),
    events: {
      record: async (object, _type, reason) => {
        events.push(`${object.kind}/${object.metadata.name}:${reason}`);
      },
    },
    writePolicyStatus: async () => {},
    clock: { now: () => T0, schedule: () => () => {} },
    logger: pino({ level: 'silent' }),
    newId: () => 'new-intent',
  });
  const term = { signal: new AbortController().signal, fence: () => {} };
  return {
    run: (spec: PolicySpec, assessment: PolicyAssessment) => runner.run(policy, spec, assessment, term),
    record: (name: string) => records.get(`p-${name}`),
    executed,
    events,
  };
}

const actingOn = (step: string, action = 'RolloutRestart'): EpisodeStatus => ({
  phase: 'Acting',
  stepIndex: 0,
  step,
  attempts: 0,
  startTime: new Date(T0 - 120_000).toISOString(),
  actions: [],
  intent: { id: 'old-intent', step, action, time: new Date(T0 - 60_000).toISOString() },
});

describe('a persisted intent the current policy no longer allows', () => {
  it('settles an intent whose step was removed from the ladder instead of staying Acting forever', async () => {
    const spec = specOf([{ name: 'scale-out', type: 'Scale', scale: { minReplicas: 1, maxReplicas: 3 } }]);
    const h = harness([record('web', actingOn('roll'))], [deployment('web')]);
    await h.run(spec, assessmentOf([assessed('web')]));
    expect(h.executed).toEqual([]);
    const status = h.record('web')?.status;
    expect(status?.phase).not.toBe('Acting');
    expect(status?.intent).toBeUndefined();
    expect(status?.actions.at(-1)).toMatchObject({ id: 'old-intent', result: 'Skipped' });
  });

  it('still records a removed step whose intent had already happened as done', async () => {
    const spec = specOf([{ name: 'other', type: 'RolloutRestart' }]);
    const h = harness([record('web', actingOn('roll'))], [deployment('web')], true);
    await h.run(spec, assessmentOf([assessed('web')]));
    expect(h.executed).toEqual([]);
    expect(h.record('web')?.status).toMatchObject({ phase: 'Verifying', attempts: 1 });
  });

  it('does not execute a resumed intent once the policy is in dry run', async () => {
    const spec = specOf([{ name: 'roll', type: 'RolloutRestart' }], { dryRun: true });
    const h = harness([record('web', actingOn('roll'))], [deployment('web')]);
    await h.run(spec, assessmentOf([assessed('web')]));
    expect(h.executed).toEqual([]);
    expect(h.record('web')?.status.phase).not.toBe('Acting');
    expect(h.record('web')?.status.actions.at(-1)).toMatchObject({ id: 'old-intent', reason: 'DryRun' });
  });

  it('does not execute a resumed intent once the policy is paused', async () => {
    const spec = specOf([{ name: 'roll', type: 'RolloutRestart' }], { paused: true });
    const h = harness([record('web', actingOn('roll'))], [deployment('web')]);
    await h.run(spec, assessmentOf([assessed('web')]));
    expect(h.executed).toEqual([]);
    expect(h.record('web')?.status.actions.at(-1)).toMatchObject({ id: 'old-intent', reason: 'Paused' });
  });

  it('executes a resumed intent the gates still allow (the takeover path)', async () => {
    const spec = specOf([{ name: 'roll', type: 'RolloutRestart' }]);
    const h = harness([record('web', actingOn('roll'))], [deployment('web')]);
    await h.run(spec, assessmentOf([assessed('web')]));
    expect(h.executed).toEqual(['web:old-intent']);
    expect(h.record('web')?.status.phase).toBe('Verifying');
  });
});
