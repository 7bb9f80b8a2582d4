import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy, parseSince } from '../../src/cli/feedback-command.js';
import { FEATURE_NAMES } from '../../src/metrics/feature-catalogue.js';
import {
  FEEDBACK_SCHEMA_VERSION,
  feedbackExampleSchema,
  isFeedbackExample,
  toFeedbackExample,
} from '../../src/remediation/feedback-example.js';
import { parseRemediation } from '../../src/remediation/record.js';

/** A closed, finished Remediation as the API server returns it; `patch` replaces status fields. */
function raw(status: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'coordination-engine.io/v1alpha1',
    kind: 'Remediation',
    metadata: {
      name: 'guard-web-abc',
      namespace: 'shop',
      uid: 'rec-uid',
      resourceVersion: '7',
      labels: { 'coordination-engine.io/open': 'false' },
    },
    spec: {
      policyRef: { kind: 'RemediationPolicy', name: 'guard', namespace: 'shop', uid: 'pol-uid' },
      targetRef: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'shop',
        name: 'web',
        uid: 'web-uid',
      },
      dryRun: false,
    },
    status: {
      phase: 'Succeeded',
      attempts: 1,
      startTime: '2025-03-01T12:00:00Z',
      completionTime: '2025-03-01T12:05:00Z',
      outcome: 'resolved',
      decision: {
        time: '2025-03-01T12:00:00Z',
        rules: [{ name: 'crash', input: 'signal:CrashLoopBackOff', value: 3 }],
        ml: [{ source: 'ml-service', anomaly: true, confidence: 0.91 }],
        fallback: false,
        features: [
          { pod: 'web-1', podUid: 'p1', values: FEATURE_NAMES.map((_, i) => (i === 3 ? null : i / 10)) },
        ],
      },
      actions: [
        {
          id: 'a1',
          step: 'restart',
          action: 'RestartPod',
          time: '2025-03-01T12:00:10Z',
          result: 'Succeeded',
        },
      ],
      conditions: [],
      ...status,
    },
    ...extra,
  };
}

function example(input: unknown) {
  const record = parseRemediation(input);
  if (!record) throw new Error('fixture has no metadata');
  return toFeedbackExample(record);
}

describe('toFeedbackExample', () => {
  it('turns a finished record into a schema-valid example with names beside the values', () => {
    const out = example(raw());
    expect(isFeedbackExample(out)).toBe(true);
    const parsed = feedbackExampleSchema.parse(out);
    expect(parsed).toMatchObject({
      schemaVersion: FEEDBACK_SCHEMA_VERSION,
      episode: { namespace: 'shop', name: 'guard-web-abc', uid: 'rec-uid' },
      policy: { kind: 'RemediationPolicy', name: 'guard', namespace: 'shop', uid: 'pol-uid' },
      target: { kind: 'Deployment', name: 'web', uid: 'web-uid' },
      outcome: 'resolved',
      completionTime: '2025-03-01T12:05:00Z',
      attempts: 1,
      actions: [{ step: 'restart', action: 'RestartPod', result: 'Succeeded' }],
      problems: [],
    });
    expect(parsed.decision?.featureNames).toEqual(FEATURE_NAMES);
    expect(parsed.decision?.featureSchemaVersion).toBe('v1');
    expect(parsed.decision?.rules).toEqual([{ name: 'crash', input: 'signal:CrashLoopBackOff', value: 3 }]);
    expect(parsed.decision?.ml).toEqual([{ source: 'ml-service', anomaly: true, confidence: 0.91 }]);
    expect(parsed.decision?.features[0]?.values[3]).toBeNull();
    expect(parsed.decision?.features[0]?.values[4]).toBe(0.4);
    // The action id is an engine-internal key, not training data.
    expect(parsed.actions[0]).not.toHaveProperty('id');
  });

  it.each(['failed', 'escalated'] as const)('labels a %s episode with that outcome', (outcome) => {
    const out = example(raw({ outcome, phase: outcome === 'failed' ? 'Failed' : 'Escalated' }));
    expect(feedbackExampleSchema.parse(out).outcome).toBe(outcome);
  });

  it('labels an episode stood down on a recurring pattern expected-pattern, and one acted on after it resolved', () => {
    const skipped = {
      id: 'a1',
      step: 'restart',
      action: 'RestartPod',
      time: '2025-03-01T12:00:10Z',
      result: 'Skipped',
      reason: 'ExpectedPattern',
      message: 'daily_spike recurs at 12:00 UTC',
    };
    const stoodDown = example(raw({ actions: [skipped] }));
    expect(feedbackExampleSchema.parse(stoodDown).outcome).toBe('expected-pattern');
    // The same spike later acted on: the action is what the example teaches.
    const actedLater = example(
      raw({ actions: [skipped, { ...skipped, id: 'a2', result: 'Succeeded', reason: undefined }] }),
    );
    expect(feedbackExampleSchema.parse(actedLater).outcome).toBe('resolved');
    // Acted on later in a dry-run policy, or by an action that failed, or recommended to a person: the pattern did
    // not explain the episode, the engine decided to act. Not "normal here".
    for (const result of ['DryRun', 'Failed', 'Recommended']) {
      const decidedLater = example(
        raw({ actions: [skipped, { ...skipped, id: 'a2', result, reason: undefined }] }),
      );
      expect(feedbackExampleSchema.parse(decidedLater).outcome, result).toBe('resolved');
    }
    // Another skip reason is not a stand-down.
    const cooled = example(raw({ actions: [{ ...skipped, reason: 'Cooldown' }] }));
    expect(feedbackExampleSchema.parse(cooled).outcome).toBe('resolved');
    // An escalation stays an escalation.
    const escalated = example(raw({ outcome: 'escalated', phase: 'Escalated', actions: [skipped] }));
    expect(feedbackExampleSchema.parse(escalated).outcome).toBe('escalated');
  });

  it('carries the prediction an episode acted on, and none when there was none', () => {
    const predicted = example(
      raw({
        decision: {
          rules: [],
          ml: [],
          prediction: [{ pod: 'web-1', issue: 'pod_oom', probability: 0.9, timeToOccurrenceSeconds: 600 }],
          fallback: false,
          features: [],
        },
      }),
    );
    expect(feedbackExampleSchema.parse(predicted).decision?.prediction).toEqual([
      { issue: 'pod_oom', probability: 0.9, timeToOccurrenceSeconds: 600 },
    ]);
    expect(feedbackExampleSchema.parse(example(raw())).decision).not.toHaveProperty('prediction');
  });

  it('is not an example while the record is open', () => {
    const open = raw();
    (open as { metadata: { labels: Record<string, string> } }).metadata.labels[
      'coordination-engine.io/open'
    ] = 'true';
    expect(example(open)).toEqual({ skip: 'open' });
  });

  it.each([
    ['no outcome', raw({ outcome: undefined }), 'no_outcome', /no outcome/],
    ['an unknown outcome', raw({ outcome: 'fixed' }), 'no_outcome', /status\.outcome:/],
    ['no completionTime', raw({ completionTime: undefined }), 'no_completion_time', /completionTime/],
    ['an unreadable spec', raw({}, { spec: { policyRef: 'x' } }), 'no_spec', /spec:/],
  ])('skips a closed record with %s, saying which record and why', (_, input, skip, message) => {
    const out = example(input);
    expect(out).toMatchObject({ skip, message: expect.stringMatching(message) });
    expect((out as { message: string }).message).toContain('shop/guard-web-abc');
  });

  it('exports what it can from a record with a malformed decision, naming the part left out', () => {
    const out = feedbackExampleSchema.parse(example(raw({ decision: { rules: 'not a list' } })));
    expect(out.decision).toBeUndefined();
    expect(out.actions).toHaveLength(1);
    expect(out.problems).toEqual([expect.stringMatching(/^status\.decision:/)]);
  });

  it('drops a feature vector that is not 45 wide and a malformed action entry, keeping the rest', () => {
    const base = raw() as { status: { decision: { features: unknown[] } } };
    const input = raw({
      decision: {
        ...base.status.decision,
        features: [...base.status.decision.features, { pod: 'web-2', values: [1, 2, 3] }],
      },
      actions: [
        {
          id: 'a1',
          step: 'restart',
          action: 'RestartPod',
          time: '2025-03-01T12:00:10Z',
          result: 'Succeeded',
        },
        { id: 'a2', step: 'roll', action: 'RolloutRestart', time: 'later', result: 'Succeeded' },
      ],
    });
    const out = feedbackExampleSchema.parse(example(input));
    expect(out.decision?.features.map((f) => f.pod)).toEqual(['web-1']);
    expect(out.actions.map((a) => a.step)).toEqual(['restart']);
    expect(out.problems).toEqual([
      expect.stringMatching(/^status\.actions\[1\]:/),
      'status.decision.features[1]: 3 values, expected 45',
    ]);
  });
});

describe('feedback export flags', () => {
  const NOW = Date.parse('2025-03-02T00:00:00Z');

  it.each([
    ['2025-03-01T12:00:00Z', Date.parse('2025-03-01T12:00:00Z')],
    ['1740830400', 1_740_830_400_000],
    ['24h', NOW - 86_400_000],
    ['90m', NOW - 5_400_000],
  ])('--since %s', (text, expected) => {
    expect(parseSince(text, NOW)).toBe(expected);
  });

  it.each(['yesterday', '2025-03-01', '-1h', ''])('--since %j is refused naming the flag', (text) => {
    expect(() => parseSince(text, NOW)).toThrow(/^--since expects/);
  });

  it('--policy ns/name is a RemediationPolicy, a bare name a ClusterRemediationPolicy', () => {
    expect(parsePolicy('shop/guard')).toEqual({
      kind: 'RemediationPolicy',
      namespace: 'shop',
      name: 'guard',
    });
    expect(parsePolicy('fleet.guard')).toEqual({ kind: 'ClusterRemediationPolicy', name: 'fleet.guard' });
  });

  it.each(['a/b/c', 'Shop/guard', 'shop/', '/guard', 'Guard', ''])('--policy %j is refused', (text) => {
    expect(() => parsePolicy(text)).toThrow(/^--policy expects/);
  });
});

describe('docs/feedback.md', () => {
  it('shows an example line that parses against the schema it documents', () => {
    const doc = readFileSync(new URL('../../docs/feedback.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => m[1] ?? '');
    expect(blocks).toHaveLength(2);
    const [line, pretty] = blocks.map((b) => feedbackExampleSchema.parse(JSON.parse(b)));
    expect(blocks[0]).not.toContain('\n');
    expect(pretty).toEqual(line);
    expect(line?.schemaVersion).toBe(FEEDBACK_SCHEMA_VERSION);
    expect(line?.decision?.featureNames).toEqual(FEATURE_NAMES);
  });
});
