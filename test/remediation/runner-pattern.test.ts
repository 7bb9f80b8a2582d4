import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RemediationGates } from '../../src/controller/remediation-gates.js';
import { type PatternVerdict, RemediationRunner } from '../../src/controller/remediation-runner.js';
import type { PolicyAssessment, TargetAssessment } from '../../src/detection/assessment.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import { type PolicySpec, policySpecSchema } from '../../src/policy/spec-schema.js';
import { MAX_STAND_DOWN_MS } from '../../src/remediation/stand-down.js';
import { MemoryEpisodeStore } from '../support/memory-episode-store.js';
import { testPolicy } from '../support/policy-fixtures.js';

/**
 * The pattern hook: asked only for a fresh action the gates allowed; an expected anomaly is skipped as
 * ExpectedPattern (recorded once, the episode stays Pending), an unexplained one is acted on, and an outage acts
 * as before while the record says so.
 */
const NS = 'shop';
const T0 = Date.parse('2026-01-01T09:00:00Z');
const MIN = 60_000;
const policy: KubeObject = {
  kind: 'RemediationPolicy',
  metadata: { name: 'p', namespace: NS, uid: 'p-uid' },
};
const web: KubeObject = { kind: 'Deployment', metadata: { name: 'web', namespace: NS, uid: 'web-uid' } };

const anomalous: TargetAssessment = {
  target: { kind: 'Deployment', namespace: NS, name: 'web' },
  state: 'anomalous',
  pods: [
    {
      namespace: NS,
      pod: 'web-0',
      state: 'anomalous',
      rules: [
        {
          rule: 'hot',
          feature: 'cpu_usage',
          operator: '>',
          threshold: 0.5,
          observed: 0.9,
          heldForMs: 0,
          firing: true,
        },
      ],
      missing: [],
    },
  ],
};

function setup(answer: () => Promise<PatternVerdict | undefined>, safety: Record<string, unknown> = {}) {
  const spec: PolicySpec = policySpecSchema.parse(
    testPolicy('p')
      .withActions({ name: 'roll', type: 'RolloutRestart', verificationWindow: '1m' })
      .withSafety({ dryRun: false, maxUnhealthy: '100%', ...safety })
      .buildSpec(),
  );
  const store = new MemoryEpisodeStore();
  const executed: string[] = [];
  const asked: string[] = [];
  const events: { object: string; type: string; reason: string; message: string }[] = [];
  let now = T0;
  const gates = new RemediationGates({ namespaceLabels: () => ({}), autoscalers: () => [] }, new Set());
  const runner = new RemediationRunner({
    store,
    executor: {
      prepare: (intent) => intent,
      happened: async () => false,
      execute: async (intent) => {
        executed.push(intent.step);
        return { result: 'done', message: 'restarted' };
      },
    },
    workload: () => web,
    gates: (context, step, episode) => gates.check(context, step, episode),
    storm: (p, s, a, nowMs) => gates.storm(p, s, a, nowMs),
    events: {
      record: async (object, type, reason, message) => {
        events.push({ object: object.kind ?? '', type, reason, message });
      },
    },
    writePolicyStatus: async () => {},
    expected: async (_p, _s, target) => {
      asked.push(target.metadata.name);
      return answer();
    },
    clock: { now: () => now } as never,
    logger: pino({ level: 'silent' }),
  });
  const pass = async (atMs: number) => {
    now = atMs;
    const assessment: PolicyAssessment = {
      policy: `${NS}/p`,
      evaluatedAtMs: atMs,
      targets: [anomalous],
      summary: { total: 1, healthy: 0, anomalous: 1, insufficientData: 0 },
      problems: [],
      warnings: [],
    };
    await runner.run(policy, spec, assessment, { signal: new AbortController().signal, fence: () => {} });
  };
  const record = () => [...store.records.values()][0];
  return { pass, executed, asked, events, record };
}

describe('RemediationRunner pattern hook', () => {
  it('skips an expected anomaly as ExpectedPattern, once, and keeps the episode Pending', async () => {
    const t = setup(async () => ({ expected: true, message: 'daily_spike at 09:00 (confidence 0.9)' }));
    await t.pass(T0);
    await t.pass(T0 + MIN);
    expect(t.executed).toEqual([]);
    expect(t.asked).toEqual(['web', 'web']);
    const status = t.record()?.status;
    expect(status?.phase).toBe('Pending');
    expect(status?.intent).toBeUndefined();
    const skips = (status?.actions ?? []).filter((a) => a.reason === 'ExpectedPattern');
    expect(skips).toHaveLength(1);
    expect(skips[0]).toMatchObject({
      result: 'Skipped',
      step: 'roll',
      message: expect.stringContaining('daily_spike'),
    });
    const expectedEvents = t.events.filter((e) => e.reason === 'ExpectedPattern');
    expect(expectedEvents.map((e) => [e.object, e.type])).toEqual([
      ['Deployment', 'Normal'],
      ['RemediationPolicy', 'Normal'],
    ]);
  });

  it('holds an episode back for at most MAX_STAND_DOWN_MS, then acts and says why', async () => {
    const t = setup(async () => ({ expected: true, message: 'periodic_restart every 600s, one due now' }));
    await t.pass(T0);
    await t.pass(T0 + MAX_STAND_DOWN_MS);
    expect(t.executed).toEqual([]);
    await t.pass(T0 + MAX_STAND_DOWN_MS + MIN);
    expect(t.executed).toEqual(['roll']);
    const acted = t.record()?.status.actions?.find((a) => a.result === 'Succeeded');
    expect(acted?.message).toMatch(
      /stood down on a recurring pattern since 2026-01-01T09:00:00.000Z \(121 min\)/,
    );
  });

  it('acts on an anomaly the pattern does not explain', async () => {
    const t = setup(async () => ({ expected: false, message: 'no recurring pattern explains it' }));
    await t.pass(T0);
    expect(t.executed).toEqual(['roll']);
    expect(t.record()?.status.phase).toBe('Verifying');
    expect(t.events.some((e) => e.reason === 'ExpectedPattern')).toBe(false);
  });

  it('acts as before when pattern analysis is down, and the record says so', async () => {
    const t = setup(async () => {
      throw new Error('connect ECONNREFUSED');
    });
    await t.pass(T0);
    expect(t.executed).toEqual(['roll']);
    const acted = (t.record()?.status.actions ?? []).find((a) => a.result === 'Succeeded');
    expect(acted?.message).toContain(
      'pattern analysis failed (connect ECONNREFUSED); acted on rules and anomaly',
    );
  });

  it('asks only for candidates: not while a gate holds the action', async () => {
    const t = setup(async () => ({ expected: true, message: 'x' }), { paused: true });
    await t.pass(T0);
    expect(t.asked).toEqual([]);
    expect(t.executed).toEqual([]);
    expect(t.record()?.status.actions?.[0]?.reason).toBe('Paused');
  });

  it('previews the stand-down in dry run: an expected anomaly is ExpectedPattern there too, not "would restart"', async () => {
    // Dry run is how an operator checks a policy before it acts; it must record what the live policy would do.
    const expected = setup(async () => ({ expected: true, message: 'daily_spike at 09:00' }), {
      dryRun: true,
    });
    await expected.pass(T0);
    expect(expected.asked).toEqual(['web']);
    expect(expected.executed).toEqual([]);
    expect(expected.record()?.status.actions?.map((a) => `${a.result} ${a.reason}`)).toEqual([
      'Skipped ExpectedPattern',
    ]);
    expect(expected.record()?.status.phase).toBe('Pending');

    const unexplained = setup(async () => ({ expected: false, message: 'no recurring pattern' }), {
      dryRun: true,
    });
    await unexplained.pass(T0);
    expect(unexplained.executed).toEqual([]);
    expect(unexplained.record()?.status.actions?.map((a) => a.result)).toEqual(['DryRun']);
  });
});
