/** The mock ML server's feedback endpoint: validates what it receives, records it, and lets tests read it back. */
import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../src/metrics/feature-catalogue.js';
import { FeedbackResponseSchema } from '../src/ml/contract.js';
import {
  FEEDBACK_SCHEMA_VERSION,
  type FeedbackExample,
  feedbackExampleSchema,
} from '../src/remediation/feedback-example.js';
import { useMockMlServer } from './support/mock-ml.js';

const mock = useMockMlServer();

const example = (name: string, outcome: FeedbackExample['outcome'] = 'resolved'): FeedbackExample =>
  feedbackExampleSchema.parse({
    schemaVersion: FEEDBACK_SCHEMA_VERSION,
    episode: { namespace: 'shop', name: `guard-${name}-abc` },
    policy: { kind: 'RemediationPolicy', name: 'guard', namespace: 'shop', uid: 'p' },
    target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name, uid: `uid-${name}` },
    dryRun: false,
    outcome,
    completionTime: '2025-03-01T12:05:00Z',
    attempts: 1,
    decision: {
      rules: [],
      ml: [{ source: 'ml-service', anomaly: true, confidence: 0.9 }],
      fallback: false,
      featureSchemaVersion: 'v1',
      featureNames: [...FEATURE_NAMES],
      features: [{ pod: `${name}-1`, values: FEATURE_NAMES.map((_, i) => (i % 7 === 0 ? null : i)) }],
    },
    actions: [{ step: 'restart', action: 'RestartPod', time: '2025-03-01T12:01:00Z', result: 'Succeeded' }],
    problems: [],
  });

async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${mock().url}/api/v1/feedback`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('POST /api/v1/feedback', () => {
  it('accepts valid examples with 202 and records them in arrival order', async () => {
    const first = await post(example('web'));
    expect(first.status).toBe(202);
    expect(FeedbackResponseSchema.parse(first.json)).toEqual({ status: 'accepted' });
    await post(example('api', 'escalated'));
    expect(mock().feedback()).toEqual([example('web'), example('api', 'escalated')]);
    expect(mock().counts().byPath['/api/v1/feedback']).toBe(2);
  });

  it('exposes what it received over HTTP, and forgets it on DELETE', async () => {
    await post(example('web', 'failed'));
    const control = `${mock().url}/control/feedback`;
    const read = (await (await fetch(control)).json()) as { examples: unknown[] };
    expect(read.examples.map((e) => feedbackExampleSchema.parse(e))).toEqual([example('web', 'failed')]);
    await fetch(control, { method: 'DELETE' });
    expect(mock().feedback()).toEqual([]);
  });

  it.each([
    [
      'another schema version',
      { ...example('web'), schemaVersion: 'coordination-engine.io/feedback/v2' },
      'schemaVersion',
    ],
    ['an unknown outcome', { ...example('web'), outcome: 'fixed' }, 'outcome'],
    [
      'a vector not 45 wide',
      {
        ...example('web'),
        decision: { ...example('web').decision, features: [{ pod: 'web-1', values: [1, 2] }] },
      },
      'decision.features.0.values',
    ],
  ])('refuses %s with 400 naming the field, recording nothing', async (_, body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.json.field).toBe(field);
    expect(mock().feedback()).toEqual([]);
  });

  it('refuses a body that is not JSON', async () => {
    const res = await post('{"schemaVersion":');
    expect(res).toMatchObject({ status: 400, json: { field: '(body)' } });
    expect(mock().feedback()).toEqual([]);
  });

  it('is subject to injected faults like every other endpoint', async () => {
    mock().faults.set({ failEvery: 1, failStatus: 503, paths: ['/api/v1/feedback'] });
    expect((await post(example('web'))).status).toBe(503);
    expect(mock().feedback()).toEqual([]);
  });
});
