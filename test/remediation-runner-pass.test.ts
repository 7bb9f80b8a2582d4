import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RemediationGates } from '../src/controller/remediation-gates.js';
import { ladderOf } from '../src/controller/remediation-ladder.js';
import { RemediationRunner } from '../src/controller/remediation-runner.js';
import type { PolicyAssessment, TargetAssessment } from '../src/detection/assessment.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import { type PolicySpec, policySpecSchema } from '../src/policy/spec-schema.js';
import { MemoryEpisodeStore } from './support/memory-episode-store.js';
import { testPolicy } from './support/policy-fixtures.js';

/**
 * One remediation pass over several anomalous targets: the gates of a later target must see what the pass already
 * did for the earlier ones (the e2e found two targets restarted in one pass with maxActionsPerHour 1).
 */
const NS = 'shop';
const policy: KubeObject = {
  kind: 'RemediationPolicy',
  metadata: { name: 'p', namespace: NS, uid: 'p-uid' },
};
const workload = (name: string): KubeObject => ({
  kind: 'Deployment',
  metadata: { name, namespace: NS, uid: `${name}-uid` },
  spec: { replicas: 1 },
});

function anomalous(name: string): TargetAssessment {
  return {
    target: { kind: 'Deployment', namespace: NS, name },
    state: 'anomalous',
    pods: [
      {
        namespace: NS,
        pod: `${name}-0`,
        state: 'anomalous',
        rules: [
          {
            rule: 'crashing',
            feature: 'signal:CrashLoopBackOff',
            operator: '==',
            threshold: 1,
            observed: 1,
            heldForMs: 0,
            firing: true,
          },
        ],
        missing: [],
      },
    ],
  };
}

async function onePass(safety: Record<string, unknown>, targets: string[]) {
  const spec: PolicySpec = policySpecSchema.parse(
    testPolicy('p')
      .withActions({ name: 'roll', type: 'RolloutRestart' })
      .withSafety({ dryRun: false, ...safety })
      .buildSpec(),
  );
  const store = new MemoryEpisodeStore();
  const executed: string[] = [];
  const reasons: string[] = [];
  const gates = new RemediationGates({ namespaceLabels: () => ({}), autoscalers: () => [] }, new Set());
  const runner = new RemediationRunner({
    store,
    executor: {
      prepare: (intent) => intent,
      happened: async () => false,
      execute: async (_intent, _step, target) => {
        executed.push(target.metadata.name);
        return { result: 'done', message: `restarted ${target.metadata.name}` };
      },
    },
    workload: (t) => workload(t.name),
    gates: (context, step, episode) => gates.check(context, step, episode),
    storm: (p, s, a, nowMs) => gates.storm(p, s, a, nowMs),
    events: {
      record: async (object, _type, reason) => {
        if (object.kind === 'Deployment') reasons.push(`${object.metadata.name}:${reason}`);
      },
    },
    writePolicyStatus: async () => {},
    clock: { now: () => Date.parse('2026-01-01T00:00:00Z') } as never,
    logger: pino({ level: 'silent' }),
  });
  const assessed = targets.map(anomalous);
  const assessment: PolicyAssessment = {
    policy: `${NS}/p`,
    evaluatedAtMs: 0,
    targets: assessed,
    summary: { total: assessed.length, healthy: 0, anomalous: assessed.length, insufficientData: 0 },
    problems: [],
    warnings: [],
  };
  await runner.run(policy, spec, assessment, { signal: new AbortController().signal, fence: () => {} });
  expect(ladderOf(spec).map((s) => s.name)).toEqual(['roll']);
  return { executed, reasons };
}

describe('one remediation pass over several targets', () => {
  it('acts once with maxActionsPerHour 1; the next target is RateLimited', async () => {
    const { executed, reasons } = await onePass(
      { maxActionsPerHour: 1, maxConcurrent: 2, maxUnhealthy: '100%' },
      ['a', 'b'],
    );
    expect(executed).toEqual(['a']);
    expect(reasons).toEqual(['a:Remediated', 'b:RateLimited']);
  });

  it('acts once with maxConcurrent 1; the next target waits for Concurrency', async () => {
    const { executed, reasons } = await onePass({ maxConcurrent: 1, maxUnhealthy: '100%' }, ['a', 'b']);
    expect(executed).toEqual(['a']);
    expect(reasons).toEqual(['a:Remediated', 'b:Concurrency']);
  });

  it('acts on every target when the limits allow it', async () => {
    const { executed } = await onePass({ maxConcurrent: 3, maxUnhealthy: '100%' }, ['a', 'b', 'c']);
    expect(executed).toEqual(['a', 'b', 'c']);
  });
});
