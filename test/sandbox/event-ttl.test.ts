import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireEvents } from '../../src/sandbox/event-ttl.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.stop();
});

const event = (name: string, lastTimestamp: string) => ({
  metadata: { name, namespace: 'default' },
  involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
  reason: 'Test',
  message: name,
  type: 'Normal',
  lastTimestamp,
});

describe('Event lifetime', () => {
  it('forgets Events an hour after they were last seen, as the apiserver does, and keeps the rest', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    sandbox.create('', 'v1', 'events', event('old', '2026-12-02T10:59:59Z'));
    sandbox.create('', 'v1', 'events', event('recent', '2026-12-02T11:30:00Z'));
    expect(expireEvents(sandbox.store, now, 3_600)).toBe(1);
    expect(sandbox.store.list('events', 'default').map((e) => (e.metadata as { name: string }).name)).toEqual(
      ['recent'],
    );
  });
});
