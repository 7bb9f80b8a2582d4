import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ACTION_RESULTS,
  type ActionEntry,
  appendAction,
  FEATURE_VALUES,
  MAX_ACTIONS,
  MAX_FEATURE_PODS,
  MAX_MESSAGE_LENGTH,
  OUTCOMES,
  POLICY_KINDS,
  parseRemediation,
  REMEDIATION_PHASES,
  type RemediationRecord,
  type RemediationStatus,
  truncateMessage,
} from '../src/remediation/record.js';
import { draftRemediation, labelValue, recordName } from '../src/remediation/record-identity.js';
import { expiredRecords, isExpired } from '../src/remediation/retention.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const START = Date.parse('2025-03-01T12:00:00.750Z');

describe('recordName', () => {
  it('is <policy>-<target>-<episode start in base-36 seconds> and deterministic', () => {
    const seconds = Math.floor(START / 1000).toString(36);
    expect(recordName('cpu-guard', 'web', START)).toBe(`cpu-guard-web-${seconds}`);
    expect(recordName('cpu-guard', 'web', START + 200)).toBe(recordName('cpu-guard', 'web', START));
    expect(recordName('cpu-guard', 'web', START + 1000)).not.toBe(recordName('cpu-guard', 'web', START));
  });

  it.each([
    ['long names', 'p'.repeat(200), `web-${'x'.repeat(150)}`],
    ['dotted names at the cut', `${'a'.repeat(200)}.-b`, `${'c'.repeat(40)}.d.e`],
    ['a name that is not a subdomain', 'Policy_With.Caps', '-odd-'],
    ['maximal names', 'a'.repeat(253), 'b'.repeat(253)],
  ])('stays a DNS-1123 subdomain of at most 253 characters for %s', (_, policy, target) => {
    const name = recordName(policy, target, START);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(DNS_SUBDOMAIN);
    expect(recordName(policy, target, START)).toBe(name);
  });

  it('keeps long names apart that share the cut prefix', () => {
    const policy = 'p'.repeat(250);
    expect(recordName(policy, 'web-1', START)).not.toBe(recordName(policy, 'web-2', START));
  });
});

describe('labelValue', () => {
  it('keeps valid values and makes long ones valid and distinct', () => {
    expect(labelValue('cpu-guard')).toBe('cpu-guard');
    const a = labelValue(`${'p'.repeat(80)}.a`);
    const b = labelValue(`${'p'.repeat(80)}.b`);
    for (const v of [a, b]) {
      expect(v.length).toBeLessThanOrEqual(63);
      expect(v).toMatch(LABEL_VALUE);
    }
    expect(a).not.toBe(b);
  });
});

describe('draftRemediation', () => {
  it('labels the record open, for the policy and target, owned by the policy', () => {
    const draft = draftRemediation({
      policy: { kind: 'RemediationPolicy', name: 'cpu-guard', namespace: 'shop', uid: 'p-uid' },
      target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', uid: 't-uid' },
      dryRun: true,
      episodeStartMs: START,
    });
    expect(draft.metadata).toMatchObject({
      name: recordName('cpu-guard', 'web', START),
      namespace: 'shop',
      labels: {
        'coordination-engine.io/policy': 'cpu-guard',
        'coordination-engine.io/policy-kind': 'RemediationPolicy',
        'coordination-engine.io/target-uid': 't-uid',
        'coordination-engine.io/open': 'true',
      },
      ownerReferences: [
        {
          apiVersion: 'coordination-engine.io/v1alpha1',
          kind: 'RemediationPolicy',
          name: 'cpu-guard',
          uid: 'p-uid',
        },
      ],
    });
    expect(draft.spec.dryRun).toBe(true);
  });
});

const entry = (i: number, message = `attempt ${i}`): ActionEntry => ({
  id: `a${i}`,
  step: 'restart',
  action: 'RestartPod',
  time: new Date(START + i * 1000).toISOString(),
  result: 'Succeeded',
  message,
});

describe('appendAction', () => {
  it('keeps the newest 20, newest last, without changing its input', () => {
    let status: RemediationStatus = { actions: [], conditions: [] };
    for (let i = 1; i <= 25; i++) status = appendAction(status, entry(i));
    expect(status.actions).toHaveLength(MAX_ACTIONS);
    expect(status.actions[0]?.id).toBe('a6');
    expect(status.actions.at(-1)?.id).toBe('a25');
    const before = structuredClone(status);
    appendAction(status, entry(26));
    expect(status).toEqual(before);
  });

  it('cuts a long message to 1024 characters', () => {
    const status = appendAction({ actions: [], conditions: [] }, entry(1, 'x'.repeat(5000)));
    expect(status.actions[0]?.message).toHaveLength(MAX_MESSAGE_LENGTH);
  });
});

describe('truncateMessage', () => {
  it('counts code points as the API server does and never splits a surrogate pair', () => {
    const emoji = '🔥'.repeat(1024); // 2048 UTF-16 units, 1024 characters: fits
    expect(truncateMessage(emoji)).toBe(emoji);
    const cut = truncateMessage('🔥'.repeat(1500));
    expect(Array.from(cut)).toHaveLength(1024);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

const stored = (status: Record<string, unknown>, open = true) => ({
  apiVersion: 'coordination-engine.io/v1alpha1',
  kind: 'Remediation',
  metadata: {
    name: 'r',
    namespace: 'shop',
    resourceVersion: '7',
    creationTimestamp: '2025-03-01T12:00:00Z',
    labels: { 'coordination-engine.io/open': open ? 'true' : 'false' },
  },
  spec: {
    policyRef: { kind: 'RemediationPolicy', name: 'p', namespace: 'shop', uid: 'p-uid' },
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', uid: 't-uid' },
    dryRun: false,
  },
  status,
});

describe('parseRemediation', () => {
  it('reads a well-formed record completely', () => {
    const record = parseRemediation(
      stored({
        phase: 'Verifying',
        step: 'restart',
        stepIndex: 0,
        attempts: 1,
        startTime: '2025-03-01T12:00:00Z',
        intent: {
          id: 'i1',
          step: 'restart',
          action: 'RestartPod',
          time: '2025-03-01T12:00:01Z',
          podUid: 'u',
        },
        actions: [entry(1)],
        decision: {
          rules: [{ name: 'cpu', input: 'cpu', value: 0.97 }],
          features: [{ pod: 'w', values: [1, null] }],
        },
        conditions: [{ type: 'Verified', status: 'False', lastTransitionTime: '2025-03-01T12:00:02Z' }],
      }),
    );
    expect(record?.problems).toEqual([]);
    expect(record?.status).toMatchObject({ phase: 'Verifying', attempts: 1, intent: { podUid: 'u' } });
    expect(record?.status.actions).toHaveLength(1);
    expect(record?.status.decision?.features[0]?.values).toEqual([1, null]);
    expect(record?.open).toBe(true);
  });

  it('drops only what does not parse and says so', () => {
    const record = parseRemediation(
      stored({
        phase: 'Exploded',
        attempts: 2,
        step: 'roll',
        intent: { id: 'i1' },
        actions: [entry(1), { id: 'bad', result: 'Maybe' }, entry(3)],
        conditions: 'not a list',
      }),
    );
    expect(record).toBeDefined();
    expect(record?.status.phase).toBeUndefined();
    expect(record?.status).toMatchObject({ attempts: 2, step: 'roll' });
    expect(record?.status.intent).toBeUndefined();
    expect(record?.status.actions.map((a) => a.id)).toEqual(['a1', 'a3']);
    expect(record?.spec?.targetRef.name).toBe('web');
    expect(record?.problems.map((p) => p.split(':')[0])).toEqual([
      'status.phase',
      'status.intent',
      'status.actions[1]',
      'status.conditions',
    ]);
  });

  it('keeps the status when the spec is unreadable, and refuses an object without metadata', () => {
    const raw = { ...stored({ phase: 'Acting' }), spec: { policyRef: 'nope' } };
    const record = parseRemediation(raw);
    expect(record?.spec).toBeUndefined();
    expect(record?.status.phase).toBe('Acting');
    expect(record?.problems[0]).toMatch(/^spec:/);
    expect(parseRemediation({ spec: {} })).toBeUndefined();
    expect(parseRemediation('garbage')).toBeUndefined();
  });
});

describe('retention', () => {
  const DAY = 86_400_000;
  const NOW = Date.parse('2025-03-10T00:00:00Z');
  const record = (status: Record<string, unknown>, open: boolean) =>
    parseRemediation(stored(status, open)) as RemediationRecord;

  it.each([
    ['closed, completed 8 days ago', { completionTime: '2025-03-02T00:00:00Z' }, false, true],
    ['closed, completed exactly 7 days ago', { completionTime: '2025-03-03T00:00:00Z' }, false, true],
    ['closed, completed 6 days ago', { completionTime: '2025-03-04T00:00:00Z' }, false, false],
    ['open, started 30 days ago', { startTime: '2025-02-08T00:00:00Z' }, true, false],
    ['open, with an old completionTime', { completionTime: '2025-02-01T00:00:00Z' }, true, false],
    ['closed, no completionTime, acted recently', { lastActionTime: '2025-03-09T00:00:00Z' }, false, false],
    ['closed, no times but an old creation', {}, false, true],
    [
      'closed, unreadable completionTime, old action',
      { completionTime: 'soon', lastActionTime: '2025-03-01T00:00:00Z' },
      false,
      true,
    ],
  ])('%s → expired %s', (_, status, open, expired) => {
    expect(isExpired(record(status, open), 7 * DAY, NOW)).toBe(expired);
  });

  it('selects only the expired records', () => {
    const old = record({ completionTime: '2025-03-01T00:00:00Z' }, false);
    const fresh = record({ completionTime: '2025-03-09T00:00:00Z' }, false);
    const open = record({ startTime: '2025-01-01T00:00:00Z' }, true);
    expect(expiredRecords([old, fresh, open], 7 * DAY, NOW)).toEqual([old]);
  });
});

describe('crds/remediation.yaml agrees with record.ts', () => {
  type Node = { [key: string]: unknown; properties?: Record<string, Node>; items?: Node };
  const crd = parse(readFileSync(new URL('../crds/remediation.yaml', import.meta.url), 'utf8')) as {
    spec: { versions: { schema: { openAPIV3Schema: Node } }[] };
  };
  const at = (...path: string[]): Node =>
    path.reduce<Node>((node, key) => {
      const next = key === '[]' ? node.items : node.properties?.[key];
      if (!next) throw new Error(`no ${path.join('.')} in the CRD`);
      return next;
    }, crd.spec.versions[0]?.schema.openAPIV3Schema as Node);

  it('has the same enums and bounds', () => {
    expect(at('status', 'phase').enum).toEqual([...REMEDIATION_PHASES]);
    expect(at('status', 'actions', '[]', 'result').enum).toEqual([...ACTION_RESULTS]);
    expect(at('status', 'outcome').enum).toEqual([...OUTCOMES]);
    expect(at('spec', 'policyRef', 'kind').enum).toEqual([...POLICY_KINDS]);
    expect(at('status', 'actions').maxItems).toBe(MAX_ACTIONS);
    expect(at('status', 'actions', '[]', 'message').maxLength).toBe(MAX_MESSAGE_LENGTH);
    expect(at('status', 'decision', 'features').maxItems).toBe(MAX_FEATURE_PODS);
    expect(at('status', 'decision', 'features', '[]', 'values').maxItems).toBe(FEATURE_VALUES);
    const prediction = at('status', 'decision', 'prediction');
    expect(prediction.maxItems).toBe(20);
    expect(at('status', 'decision', 'prediction', '[]').required).toEqual([
      'issue',
      'probability',
      'timeToOccurrenceSeconds',
    ]);
    expect(at('status', 'decision', 'prediction', '[]', 'probability')).toMatchObject({
      minimum: 0,
      maximum: 1,
    });
    expect(at('spec')['x-kubernetes-validations']).toEqual([
      { rule: 'self == oldSelf', message: 'spec is immutable' },
    ]);
  });
});
