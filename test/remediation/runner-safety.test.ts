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

describe('open records of targets this pass did not assess', () => {
  const verifying = (step = 'roll'): EpisodeStatus => ({
    phase: 'Verifying',
    stepIndex: 0,
    step,
    attempts: 1,
    startTime: new Date(T0 - 300_000).toISOString(),
    lastActionTime: new Date(T0 - 240_000).toISOString(),
    verifyDeadline: new Date(T0 + 60_000).toISOString(),
    actions: [],
  });
  const escalated: EpisodeStatus = { ...verifying(), phase: 'Escalated', outcome: 'escalated' };
  const spec = specOf([{ name: 'roll', type: 'RolloutRestart' }], {
    maxConcurrent: 1,
    cooldown: '1m',
  });

  it('closes the episode of a deleted target, so it no longer holds the concurrency slot', async () => {
    const h = harness([record('gone', verifying())], [deployment('web')]);
    await h.run(spec, assessmentOf([assessed('web')]));
    expect(h.record('gone')?.open).toBe(false);
    expect(h.record('gone')?.status.completionTime).toBeDefined();
    expect(h.executed).toEqual(['web:new-intent']);
  });

  it('closes the Acting episode of a target replaced under the same name, without acting', async () => {
    const replaced = { ...deployment('web'), metadata: { ...deployment('web').metadata, uid: 'other' } };
    const h = harness([record('web', actingOn('roll'))], [replaced]);
    await h.run(spec, assessmentOf([assessed('web', 'healthy')]));
    expect(h.executed).toEqual([]);
    expect(h.record('web')?.open).toBe(false);
    expect(h.record('web')?.status.intent).toBeUndefined();
  });

  it('closes the open episode of a target the policy no longer selects', async () => {
    const h = harness([record('old', verifying())], [deployment('web'), deployment('old')]);
    await h.run(spec, assessmentOf([assessed('web')]));
    expect(h.record('old')?.open).toBe(false);
    expect(h.executed).toEqual(['web:new-intent']);
  });

  it('honours the reset annotation on the escalated episode of a deleted target', async () => {
    const h = harness([record('gone', escalated, { resetRequested: true })], [deployment('web')]);
    await h.run(spec, assessmentOf([assessed('web', 'healthy')]));
    expect(h.record('gone')?.open).toBe(false);
    expect(h.events).toContain('RemediationPolicy/p:EscalationReset');
  });

  it('closes the escalated episode of a deleted target (nobody is left to reset it)', async () => {
    const h = harness([record('gone', escalated)], [deployment('web')]);
    await h.run(spec, assessmentOf([assessed('web', 'healthy')]));
    expect(h.record('gone')?.open).toBe(false);
  });

  it('keeps the escalated episode of a deselected target open until a reset', async () => {
    const h = harness([record('old', escalated)], [deployment('web'), deployment('old')]);
    await h.run(spec, assessmentOf([assessed('web', 'healthy')]));
    expect(h.record('old')?.open).toBe(true);
  });
});

describe('a standalone Pod target', () => {
  const pod: KubeObject = { kind: 'Pod', metadata: { name: 'solo', namespace: NS, uid: 'solo-uid' } };
  const podAssessed: TargetAssessment = {
    ...assessed('solo'),
    target: { kind: 'Pod', namespace: NS, name: 'solo' },
  };

  it.each(['RolloutRestart', 'Scale', 'Rollback'])(
    'never attempts %s on it: the ladder moves on',
    async (type) => {
      const step = {
        name: 'workload-step',
        type,
        ...(type === 'Scale' ? { scale: { minReplicas: 1, maxReplicas: 3 } } : {}),
      };
      const spec = specOf([step, { name: 'restart', type: 'RestartPod' }]);
      const actions: string[] = [];
      const h = harness([], [pod]);
      await h.run(spec, assessmentOf([podAssessed]));
      for (const a of h.record('solo')?.status.actions ?? []) actions.push(a.action);
      expect(h.executed).toEqual(['solo:new-intent']);
      expect(h.record('solo')?.status).toMatchObject({ step: 'restart', phase: 'Verifying' });
      expect(actions).toEqual(['RestartPod']);
    },
  );

  it('escalates instead of looping when no step of the ladder applies to a Pod', async () => {
    const h = harness([], [pod]);
    await h.run(specOf([{ name: 'roll', type: 'RolloutRestart' }]), assessmentOf([podAssessed]));
    expect(h.executed).toEqual([]);
    expect(h.record('solo')?.status.phase).toBe('Escalated');
  });
});
