import { describe, expect, it } from 'vitest';
import { setCondition } from '../src/policy/conditions.js';
import {
  boundedLastAction,
  type HistoryEntry,
  MAX_CONDITION_MESSAGE_LENGTH,
  MAX_HISTORY,
  MAX_MESSAGE_LENGTH,
  parseStatus,
  prependHistory,
  truncateText,
} from '../src/policy/status-types.js';

const target = { kind: 'Deployment', namespace: 'shop', name: 'web' };
const entry = (i: number, message = `entry ${i}`): HistoryEntry => ({
  time: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  target,
  step: 'restart',
  action: 'RestartPod',
  result: 'Succeeded',
  message,
});

/** Status is read back through its schema: a status that breaks its own bounds would be read as empty. */
describe('status bounds', () => {
  it('truncateText cuts at the bound with an ellipsis and never splits a surrogate pair', () => {
    expect(truncateText('short')).toBe('short');
    const cut = truncateText('x'.repeat(5000));
    expect(cut).toHaveLength(MAX_MESSAGE_LENGTH);
    expect(cut.endsWith('…')).toBe(true);
    const emoji = truncateText(`${'a'.repeat(8)}😀😀`, 10);
    expect(emoji).toBe(`${'a'.repeat(8)}…`);
  });

  it('prependHistory keeps the newest MAX_HISTORY entries first, messages within 1 KiB', () => {
    let history: HistoryEntry[] = [];
    for (let i = 0; i < MAX_HISTORY + 5; i++) history = prependHistory(history, entry(i, 'y'.repeat(3000)));
    expect(history).toHaveLength(MAX_HISTORY);
    expect(history[0]?.time).toBe(entry(MAX_HISTORY + 4).time);
    expect(history.every((h) => (h.message ?? '').length <= MAX_MESSAGE_LENGTH)).toBe(true);
    const lastAction = boundedLastAction({ ...entry(1, 'z'.repeat(2000)), step: 'restart' });
    const status = parseStatus({
      history,
      lastAction,
      counters: { actions: 3, skips: 1, escalations: 0, succeeded: 2, failed: 1 },
    });
    expect(status.history).toHaveLength(MAX_HISTORY);
    expect(status.lastAction?.step).toBe('restart');
    expect(status.counters?.actions).toBe(3);
  });

  it('an over-long history message makes the whole status unreadable, which is why entries are bounded', () => {
    expect(parseStatus({ history: [entry(1, 'y'.repeat(MAX_MESSAGE_LENGTH + 1))] })).toEqual({});
    expect(parseStatus({ history: [{ ...entry(1), result: 'Escalated' }] }).history).toHaveLength(1);
  });

  it('setCondition truncates a message beyond metav1.Condition bounds', () => {
    const [condition] = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'InvalidSpec', message: 'e'.repeat(40_000) },
      '2026-01-01T00:00:00Z',
      1,
    );
    expect(condition?.message).toHaveLength(MAX_CONDITION_MESSAGE_LENGTH);
    expect(parseStatus({ conditions: [condition] }).conditions).toHaveLength(1);
  });
});
