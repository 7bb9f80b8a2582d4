import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventRecorder } from '../src/controller/event-recorder.js';
import { EventSpamFilter } from '../src/controller/event-spam-filter.js';
import type { JsonObject } from '../src/json/json-value.js';
import { KubeEventSink } from '../src/kube/event-sink.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import { KubeRest } from '../src/kube/rest-client.js';
import { type Sandbox, startSandbox } from '../src/sandbox/sandbox.js';
import { FakeClock } from './support/fake-clock.js';

const silent = pino({ level: 'silent' });
const FIVE_MINUTES = 5 * 60_000;
// Near real time: the sandbox expires Events an hour after their lastTimestamp by its own clock.
const freshClock = () => new FakeClock(Math.floor(Date.now() / 1000) * 1000);

const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
});

describe('EventRecorder against the sandbox', () => {
  let sandbox: Sandbox;
  let rest: KubeRest;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-events-'));
    sandbox = await startSandbox({ port: 0, kubeconfigPath: join(dir, 'kubeconfig') });
    rest = new KubeRest(sandbox.kubeConfig());
  });
  afterAll(async () => {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const eventsAbout = (name: string) =>
    sandbox.store.list('events', 'default').filter((e) => (e.involvedObject as JsonObject).name === name);

  const recorder = (clock: FakeClock, onDropped?: () => void) =>
    new EventRecorder({
      sink: new KubeEventSink(rest),
      clock,
      logger: silent,
      component: 'coordination-engine',
      instance: 'test',
      onDropped,
    });

  it('two recorders (the engine and a controller) writing about one object in the same millisecond both land', async () => {
    // Seen in a clean-clone run: the engine's Remediated Event on a Deployment collided by name with the
    // deployment controller's ScalingReplicaSet (same object name, millisecond and sequence number) and was lost.
    const clock = freshClock();
    const engine = recorder(clock);
    const controller = recorder(clock);
    const target = pod('collide');
    await controller.record(target, 'Normal', 'ScalingReplicaSet', 'Scaled up');
    await engine.record(target, 'Normal', 'Remediated', 'rolled');
    expect(
      eventsAbout('collide')
        .map((e) => e.reason)
        .sort(),
    ).toEqual(['Remediated', 'ScalingReplicaSet']);
  });

  it('a name taken anyway (409) is retried under a fresh name, not lost', async () => {
    const clock = freshClock();
    const taken = new Set<string>();
    const sink = new KubeEventSink(rest);
    let conflicts = 0;
    const events = new EventRecorder({
      sink: {
        create: async (namespace, event) => {
          // The first name each Event tries is already taken (as by another writer).
          if (!taken.has(event.reason)) {
            taken.add(event.reason);
            await sink.create(namespace, { ...event, reason: 'Other' });
          }
          try {
            return await sink.create(namespace, event);
          } catch (error) {
            conflicts++;
            throw error;
          }
        },
        patch: (namespace, name, patch) => sink.patch(namespace, name, patch),
      },
      clock,
      logger: silent,
      component: 'coordination-engine',
      instance: 'test',
    });
    await events.record(pod('retried'), 'Normal', 'Remediated', 'rolled');
    expect(conflicts).toBe(1);
    expect(
      eventsAbout('retried')
        .map((e) => e.reason)
        .sort(),
    ).toEqual(['Other', 'Remediated']);
  });

  it('aggregates on the caller key, not the message, and keeps the newest message', async () => {
    const clock = freshClock();
    const events = recorder(clock);
    const target = pod('keyed');
    const key = 'uid-keyed/restart/BlastRadius';
    await events.record(target, 'Warning', 'BlastRadius', '3 of 10 targets unhealthy, at most 2 allowed', {
      key,
    });
    clock.advance(30_000);
    await events.record(target, 'Warning', 'BlastRadius', '4 of 10 targets unhealthy, at most 2 allowed', {
      key,
    });
    // Another key with the same reason is another occurrence.
    await events.record(target, 'Warning', 'BlastRadius', '4 of 10 targets unhealthy, at most 2 allowed', {
      key: 'uid-keyed/roll/BlastRadius',
    });

    const stored = eventsAbout('keyed').sort((a, b) => Number(b.count) - Number(a.count));
    expect(stored.map((e) => [e.message, e.count])).toEqual([
      ['4 of 10 targets unhealthy, at most 2 allowed', 2],
      ['4 of 10 targets unhealthy, at most 2 allowed', 1],
    ]);
    expect(stored[0]?.firstTimestamp).toBe(
      new Date(clock.now() - 30_000).toISOString().replace('.000Z', 'Z'),
    );
    expect(stored[0]?.lastTimestamp).toBe(new Date(clock.now()).toISOString().replace('.000Z', 'Z'));
  });

  it('without a key, different messages are still different Events', async () => {
    const events = recorder(freshClock());
    await events.record(pod('unkeyed'), 'Normal', 'Scaled', 'scaled to 3');
    await events.record(pod('unkeyed'), 'Normal', 'Scaled', 'scaled to 4');
    await events.record(pod('unkeyed'), 'Normal', 'Scaled', 'scaled to 4');
    expect(
      eventsAbout('unkeyed')
        .map((e) => [e.message, e.count])
        .sort(),
    ).toEqual([
      ['scaled to 3', 1],
      ['scaled to 4', 2],
    ]);
  });

  it('drops the 26th Event about one object, not another object’s, and allows one more per 5 minutes', async () => {
    const clock = freshClock();
    let dropped = 0;
    const events = recorder(clock, () => dropped++);
    const noisy = pod('noisy');
    // Repeats count against the budget too (client-go filters before it aggregates).
    for (let i = 0; i < 26; i++) await events.record(noisy, 'Warning', 'BackOff', 'back-off restarting');
    expect(dropped).toBe(1);
    expect(eventsAbout('noisy').map((e) => e.count)).toEqual([25]);

    await events.record(pod('quiet'), 'Warning', 'BackOff', 'back-off restarting');
    expect(eventsAbout('quiet').map((e) => e.count)).toEqual([1]);
    expect(dropped).toBe(1);

    clock.advance(FIVE_MINUTES - 1_000);
    await events.record(noisy, 'Warning', 'BackOff', 'back-off restarting');
    expect(dropped).toBe(2);
    clock.advance(1_000);
    await events.record(noisy, 'Warning', 'BackOff', 'back-off restarting');
    await events.record(noisy, 'Warning', 'BackOff', 'back-off restarting');
    expect(dropped).toBe(3);
    expect(eventsAbout('noisy').map((e) => e.count)).toEqual([26]);
  });
});

describe('EventSpamFilter', () => {
  const subject = (name: string) => ({ component: 'c', kind: 'Pod', namespace: 'ns', name, uid: name });

  it('forgets the least recently seen object beyond maxObjects (it starts again with a full burst)', () => {
    const clock = new FakeClock();
    const filter = new EventSpamFilter({ clock, burst: 1, maxObjects: 2 });
    expect(filter.allow(subject('a'))).toBe(true);
    expect(filter.allow(subject('b'))).toBe(true);
    expect(filter.allow(subject('a'))).toBe(false); // a is now the most recently seen
    expect(filter.allow(subject('c'))).toBe(true); // evicts b
    expect(filter.size).toBe(2);
    expect(filter.allow(subject('a'))).toBe(false);
    expect(filter.allow(subject('b'))).toBe(true);
  });

  it('keys on the source too, and a clock stepping back mints no tokens', () => {
    const clock = new FakeClock();
    const filter = new EventSpamFilter({ clock, burst: 1 });
    expect(filter.allow(subject('a'))).toBe(true);
    expect(filter.allow({ ...subject('a'), component: 'other' })).toBe(true);
    clock.set(clock.now() - FIVE_MINUTES);
    expect(filter.allow(subject('a'))).toBe(false);
    clock.set(clock.now() + FIVE_MINUTES);
    expect(filter.allow(subject('a'))).toBe(false);
    clock.set(clock.now() + FIVE_MINUTES);
    expect(filter.allow(subject('a'))).toBe(true);
  });

  it('refuses a configuration that would drop everything', () => {
    expect(() => new EventSpamFilter({ clock: new FakeClock(), burst: 0 })).toThrow(RangeError);
  });
});
