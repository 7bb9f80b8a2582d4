import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LeadershipLostError } from '../../src/controller/leadership.js';
import {
  type EpisodeRecord,
  type EpisodeStore,
  RemediationRunner,
  type StepExecutor,
} from '../../src/controller/remediation-runner.js';
import type { PolicyAssessment } from '../../src/detection/assessment.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import { validatePolicySpec } from '../../src/policy/validate.js';
import type { EpisodeStatus, Intent } from '../../src/remediation/episode.js';
import { testPolicy } from '../support/policy-fixtures.js';

/**
 * The runner's promises that no e2e timing can pin down exactly: the intent is durable before the mutation is
 * sent, a lost term sends nothing, and a persisted intent is reconciled against the cluster, never repeated.
 */
const T0 = Date.parse('2026-12-01T10:00:00Z');
const policy: KubeObject = {
  kind: 'RemediationPolicy',
  metadata: { name: 'p', namespace: 'shop', uid: 'pol' },
};
const web: KubeObject = { kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'web-uid' } };
const spec = (() => {
  const v = validatePolicySpec(
    testPolicy('p')
      .withActions({ name: 'roll', type: 'RolloutRestart', verificationWindow: '30s' })
      .withSafety({ dryRun: false, maxUnhealthy: '100%' })
      .buildSpec(),
  );
  if (!v.valid) throw new Error(JSON.stringify(v.errors));
  return v.spec;
})();
const assessment: PolicyAssessment = {
  policy: 'shop/p',
  evaluatedAtMs: T0,
  targets: [
    {
      target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      state: 'anomalous',
      pods: [{ namespace: 'shop', pod: 'web-1', state: 'anomalous', rules: [], missing: [] }],
    },
  ],
  summary: { total: 1, healthy: 0, anomalous: 1, insufficientData: 0 },
  problems: [],
  warnings: [],
};

function harness(options: { existing?: EpisodeStatus; happened?: boolean; abortOnWrite?: boolean } = {}) {
  const log: string[] = [];
  const controller = new AbortController();
  const term = {
    signal: controller.signal,
    fence: () => {
      if (controller.signal.aborted) throw new LeadershipLostError('term over');
    },
  };
  let stored: EpisodeRecord | undefined = options.existing
    ? {
        name: 'r',
        namespace: 'shop',
        targetUid: 'web-uid',
        target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
        open: true,
        dryRun: false,
        resetRequested: false,
        status: options.existing,
      }
    : undefined;
  const store: EpisodeStore = {
    list: async () => (stored ? [stored] : []),
    create: async (_p, _t, status) => {
      log.push(`create ${status.phase}`);
      stored = {
        name: 'r',
        namespace: 'shop',
        targetUid: 'web-uid',
        target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
        open: true,
        dryRun: false,
        resetRequested: false,
        status,
      };
      if (options.abortOnWrite) controller.abort();
      return stored;
    },
    update: async (record, status, open) => {
      log.push(`update ${status.phase}`);
      stored = { ...record, status, open };
      return stored;
    },
    collect: async () => 0,
  };
  const executor: StepExecutor = {
    prepare: (intent: Intent) => ({ ...intent, expected: { restartedAt: '2026-12-01T10:00:00Z' } }),
    happened: async () => {
      log.push('observe');
      return options.happened ?? false;
    },
    execute: async (intent) => {
      term.fence();
      log.push(`execute ${intent.id}`);
      return { result: 'done', message: 'restarted' };
    },
  };
  const runner = new RemediationRunner({
    store,
    executor,
    workload: () => web,
    gates: () => ({ allowed: true }),
    storm: () => ({ active: false, message: '' }),
    events: { record: async () => {} },
    writePolicyStatus: async () => {},
    clock: { now: () => T0, schedule: () => () => {} },
    logger: pino({ level: 'silent' }),
    newId: () => 'intent-1',
  });
  return { log, run: () => runner.run(policy, spec, assessment, term), stored: () => stored };
}

describe('remediation runner ordering', () => {
  it('persists the intent before it executes, then the outcome', async () => {
    const h = harness();
    await h.run();
    expect(h.log).toEqual(['create Acting', 'observe', 'execute intent-1', 'update Verifying']);
    expect(h.stored()?.status.actions.map((a) => [a.id, a.result])).toEqual([['intent-1', 'Succeeded']]);
  });

  it('sends nothing when the term ends between the intent and the act', async () => {
    const h = harness({ abortOnWrite: true });
    await h.run();
    expect(h.log.some((l) => l.startsWith('execute'))).toBe(false);
    expect(h.stored()?.status.phase).toBe('Acting');
  });

  const acting: EpisodeStatus = {
    phase: 'Acting',
    stepIndex: 0,
    step: 'roll',
    attempts: 0,
    startTime: new Date(T0 - 60_000).toISOString(),
    actions: [],
    intent: {
      id: 'old-intent',
      step: 'roll',
      action: 'RolloutRestart',
      time: new Date(T0 - 30_000).toISOString(),
      expected: { restartedAt: '2026-12-01T09:59:30Z' },
    },
  };

  it('after a takeover, records an intent that already happened without acting again', async () => {
    const h = harness({ existing: acting, happened: true });
    await h.run();
    expect(h.log).toEqual(['observe', 'update Verifying']);
    expect(h.stored()?.status.actions.map((a) => [a.id, a.result])).toEqual([['old-intent', 'Succeeded']]);
  });

  it('after a takeover, executes the persisted intent (not a new one) when it had not happened', async () => {
    const h = harness({ existing: acting, happened: false });
    await h.run();
    expect(h.log).toEqual(['observe', 'execute old-intent', 'update Verifying']);
    expect(h.stored()?.status.intent).toBeUndefined();
  });
});
