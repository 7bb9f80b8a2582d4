import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RemediationGates } from '../src/controller/remediation-gates.js';
import { type EpisodeRecord, RemediationRunner } from '../src/controller/remediation-runner.js';
import type { PolicyAssessment, TargetAssessment } from '../src/detection/assessment.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import { type PolicySpec, policySpecSchema } from '../src/policy/spec-schema.js';
import { MemoryEpisodeStore } from './support/memory-episode-store.js';
import { testPolicy } from './support/policy-fixtures.js';

/**
 * The runner reports each episode that finishes exactly once (the feedback hook): when its record is written
 * closed, never while it is open, and not again on later passes.
 */
const NS = 'shop';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const MIN = 60_000;
const policy: KubeObject = {
  kind: 'RemediationPolicy',
  metadata: { name: 'p', namespace: NS, uid: 'p-uid' },
};
const web: KubeObject = { kind: 'Deployment', metadata: { name: 'web', namespace: NS, uid: 'web-uid' } };

const assessed = (state: 'anomalous' | 'healthy'): TargetAssessment => ({
  target: { kind: 'Deployment', namespace: NS, name: 'web' },
  state,
  pods: [
    {
      namespace: NS,
      pod: 'web-0',
      state,
      rules: [
        {
          rule: 'crashing',
          feature: 'signal:CrashLoopBackOff',
          operator: '==',
          threshold: 1,
          observed: state === 'anomalous' ? 1 : 0,
          heldForMs: 0,
          firing: state === 'anomalous',
        },
      ],
      missing: [],
    },
  ],
});

describe('RemediationRunner finished hook', () => {
  it('fires once, with the closed record, when a remediated target has recovered', async () => {
    const spec: PolicySpec = policySpecSchema.parse(
      testPolicy('p')
        .withActions({ name: 'roll', type: 'RolloutRestart', verificationWindow: '1m' })
        .withSafety({ dryRun: false, maxUnhealthy: '100%' })
        .withSpecField('evaluationInterval', '1m')
        .buildSpec(),
    );
    let now = T0;
    const finished: EpisodeRecord[] = [];
    const gates = new RemediationGates({ namespaceLabels: () => ({}), autoscalers: () => [] }, new Set());
    const runner = new RemediationRunner({
      store: new MemoryEpisodeStore(),
      executor: {
        prepare: (intent) => intent,
        happened: async () => false,
        execute: async () => ({ result: 'done', message: 'restarted' }),
      },
      workload: () => web,
      gates: (context, step, episode) => gates.check(context, step, episode),
      storm: (p, s, a, nowMs) => gates.storm(p, s, a, nowMs),
      events: { record: async () => {} },
      writePolicyStatus: async () => {},
      finished: (record) => finished.push(record),
      clock: { now: () => now } as never,
      logger: pino({ level: 'silent' }),
    });
    const pass = async (atMs: number, state: 'anomalous' | 'healthy') => {
      now = atMs;
      const assessment: PolicyAssessment = {
        policy: `${NS}/p`,
        evaluatedAtMs: atMs,
        targets: [assessed(state)],
        summary: {
          total: 1,
          healthy: state === 'healthy' ? 1 : 0,
          anomalous: state === 'anomalous' ? 1 : 0,
          insufficientData: 0,
        },
        problems: [],
        warnings: [],
      };
      await runner.run(policy, spec, assessment, { signal: new AbortController().signal, fence: () => {} });
    };

    await pass(T0, 'anomalous'); // acts, then verifies
    await pass(T0 + MIN, 'healthy'); // healthy, but not for a whole interval yet
    expect(finished).toEqual([]);
    await pass(T0 + 2 * MIN, 'healthy'); // recovered: the episode closes
    await pass(T0 + 3 * MIN, 'healthy'); // nothing open any more
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({
      name: 'p-web',
      namespace: NS,
      open: false,
      status: { outcome: 'resolved', phase: 'Succeeded' },
    });
  });
});
