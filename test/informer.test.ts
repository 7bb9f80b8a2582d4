import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Informer, type InformerEventType } from '../src/controller/informer.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import { KubeRest } from '../src/kube/rest-client.js';
import { type Sandbox, startSandbox } from '../src/sandbox/sandbox.js';
import { systemClock } from '../src/time/clock.js';
import { deploymentFixture } from './sandbox/fixtures.js';
import { waitFor } from './support/wait-for.js';

const silent = pino({ level: 'silent' });

describe('Informer against the sandbox', () => {
  let sandbox: Sandbox;
  let informer: Informer | undefined;
  const events: { type: InformerEventType; name: string }[] = [];

  beforeEach(async () => {
    sandbox = await startSandbox({ port: 0, bookmarkIntervalMs: 200 });
    events.length = 0;
  });
  afterEach(async () => {
    await informer?.stop();
    informer = undefined;
    await sandbox.stop();
  });

  function start(
    options: { silenceTimeoutMs?: number; relistIntervalMs?: number; attend?: () => () => void } = {},
  ) {
    informer = new Informer({
      rest: new KubeRest(sandbox.kubeConfig()),
      path: '/apis/apps/v1/deployments',
      clock: systemClock,
      logger: silent,
      backoffInitialMs: 50,
      backoffMaxMs: 500,
      ...options,
    });
    informer.on((type, obj) => events.push({ type, name: obj.metadata.name }));
    informer.start();
    return informer;
  }

  const create = (name: string) =>
    sandbox.create('apps', 'v1', 'deployments', {
      ...deploymentFixture(name),
      metadata: { name, namespace: 'default' },
    } as never);
  const remove = (name: string) => sandbox.service.delete(deploymentType(), 'v1', 'default', name, {});
  const deploymentType = () => {
    const type = sandbox.registry.find('apps', 'v1', 'deployments');
    if (!type) throw new Error('no deployments');
    return type;
  };

  /** The informer's view equals the server's: same names, same resourceVersions. */
  function consistent(inf: Informer): boolean {
    const server = sandbox.store
      .list('deployments.apps')
      .map(
        (o) =>
          `${(o.metadata as { name: string }).name}@${(o.metadata as { resourceVersion: string }).resourceVersion}`,
      )
      .sort();
    const cached = inf
      .list()
      .map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)
      .sort();
    return JSON.stringify(server) === JSON.stringify(cached);
  }

  it('syncs, follows changes, and resumes after a dropped watch without replaying everything', async () => {
    create('a');
    create('b');
    const inf = start();
    await waitFor('synced', () => inf.hasSynced() && inf.list().length === 2);
    create('c');
    await waitFor('c arrives by watch', () => consistent(inf) && inf.list().length === 3);
    const relistsBefore = inf.getStats().relists;

    expect(sandbox.faults.dropWatches()).toBeGreaterThan(0);
    create('d');
    await waitFor('d arrives after the drop', () => consistent(inf) && inf.list().length === 4);
    expect(inf.getStats().relists).toBe(relistsBefore); // resumed from its resourceVersion, no relist
    expect(events.filter((e) => e.type === 'add').map((e) => e.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('relists after a forced 410 and after compaction, emitting only the differences', async () => {
    create('a');
    create('b');
    const inf = start();
    await waitFor('synced', () => inf.hasSynced() && consistent(inf));
    const relists = inf.getStats().relists;

    sandbox.faults.forceGoneOnNextWatch();
    sandbox.faults.dropWatches();
    await waitFor('relist after 410', () => inf.getStats().relists === relists + 1);

    // Changes the watch cannot replay: history compacted while the watch is down.
    await sandbox.suspend();
    remove('a');
    create('e');
    sandbox.faults.compact();
    await sandbox.resume();
    await waitFor(
      'consistent after compaction',
      () => consistent(inf) && inf.getStats().relists >= relists + 2,
    );
    expect(
      inf
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['b', 'e']);
    expect(events.filter((e) => e.name === 'b' && e.type === 'add')).toHaveLength(1);
    expect(events).toContainEqual({ type: 'delete', name: 'a' });
  });

  it('survives an API outage with backoff and catches up on what changed meanwhile', async () => {
    create('a');
    const inf = start();
    await waitFor('synced', () => inf.hasSynced() && consistent(inf));
    await sandbox.suspend();
    create('during-outage');
    await waitFor('watch failures counted', () => inf.getStats().consecutiveFailures >= 2);
    await sandbox.resume();
    await waitFor('caught up', () => consistent(inf) && inf.list().length === 2);
    expect(inf.getStats().consecutiveFailures).toBe(0);
  });

  it('treats a watch with no events or bookmarks as dead and relists', async () => {
    await sandbox.stop();
    sandbox = await startSandbox({ port: 0, bookmarkIntervalMs: 60_000 });
    create('a');
    const inf = start({ silenceTimeoutMs: 300 });
    await waitFor('synced', () => inf.hasSynced());
    await waitFor('silent watch replaced', () => inf.getStats().relists >= 3);
    expect(events.filter((e) => e.type === 'add')).toHaveLength(1);
  });

  it('follows bookmarks, so a quiet resource resumes from a recent resourceVersion without a relist', async () => {
    const inf = start();
    create('quiet');
    await waitFor('synced', () => inf.getStats().synced && inf.getStats().objects === 1);
    const relists = inf.getStats().relists;
    // Changes elsewhere move the global resourceVersion; only bookmarks tell this watch about them.
    for (let i = 0; i < 3; i++)
      sandbox.create('', 'v1', 'configmaps', { metadata: { name: `noise-${i}`, namespace: 'default' } });
    const current = String(sandbox.store.resourceVersion);
    await waitFor(
      'a bookmark at the current resourceVersion',
      () => inf.getStats().resourceVersion === current,
    );
    sandbox.faults.compact();
    sandbox.faults.dropWatches();
    create('after');
    await waitFor('the new object after resuming', () => inf.list().length === 2);
    expect(inf.getStats().relists).toBe(relists);
  });

  it('relists periodically even when the watch is healthy', async () => {
    create('a');
    const inf = start({ relistIntervalMs: 300 });
    await waitFor('periodic relists', () => inf.getStats().relists >= 3);
    expect(consistent(inf)).toBe(true);
  });

  it('marks every relist, the first one too, as work from before the list until its events are out', async () => {
    create('a');
    const marks: string[] = [];
    const inf = start({
      relistIntervalMs: 300,
      attend: () => {
        // `informer` is set before start() runs the first list.
        marks.push(`start ${informer?.getStats().relists} ${events.length}`);
        return () => marks.push(`end ${informer?.getStats().relists} ${events.length}`);
      },
    });
    await waitFor('two relists', () => inf.getStats().relists >= 2 && marks.length >= 4);
    // The first relist (the sync) emitted the add before it was released; the second changed nothing.
    expect(marks.slice(0, 4)).toEqual(['start 0 0', 'end 1 1', 'start 1 1', 'end 2 1']);
  });

  it('releases a failed list as well: the lag monitor does not stay attentive through an outage', async () => {
    let open = 0;
    let lists = 0;
    await sandbox.suspend();
    const inf = start({
      attend: () => {
        open++;
        lists++;
        return () => open--;
      },
    });
    await waitFor('failed lists', () => inf.getStats().consecutiveFailures >= 2 && lists >= 2);
    await waitFor('every failed list released', () => open === 0);
    await sandbox.resume();
    await waitFor('synced after the outage', () => inf.hasSynced());
    await waitFor('the successful list released', () => open === 0);
  });

  it('keeps the cached object through a relist that finds it unchanged, and takes the listed one when it changed', async () => {
    create('a');
    create('b');
    const inf = start({ relistIntervalMs: 300 });
    await waitFor('synced', () => inf.hasSynced() && consistent(inf));
    const a = inf.get('default/a');
    const b = inf.get('default/b');
    // Changed while no watch could tell: only the relist sees it.
    await sandbox.suspend();
    sandbox.service.update(deploymentType(), 'v1', 'default', 'b', {
      ...deploymentFixture('b', 9),
      metadata: { name: 'b', namespace: 'default' },
    } as never);
    sandbox.faults.compact();
    await sandbox.resume();
    await waitFor('b relisted', () => (inf.get('default/b')?.spec as { replicas?: number })?.replicas === 9);
    const relists = inf.getStats().relists;
    await waitFor('another relist', () => inf.getStats().relists >= relists + 1);
    expect(inf.get('default/a')).toBe(a);
    expect(inf.get('default/b')).not.toBe(b);
  });

  it('moves its revision on every change, by watch or relist, and never on relists or bookmarks that change nothing', async () => {
    create('a');
    const inf = start({ relistIntervalMs: 300 });
    // Handlers already see the revision of the change they are told about.
    const seen: number[] = [];
    inf.on(() => seen.push(inf.revision()));
    await waitFor('synced', () => inf.hasSynced() && consistent(inf));
    const synced = inf.revision();
    expect(synced).toBeGreaterThan(0);
    const relists = inf.getStats().relists;
    await waitFor('two more relists, and bookmarks meanwhile', () => inf.getStats().relists >= relists + 2);
    expect(inf.revision()).toBe(synced);

    create('b');
    await waitFor('b by watch', () => inf.get('default/b') !== undefined);
    const added = inf.revision();
    expect(added).toBeGreaterThan(synced);
    sandbox.service.update(deploymentType(), 'v1', 'default', 'b', {
      ...deploymentFixture('b', 7),
      metadata: { name: 'b', namespace: 'default' },
    } as never);
    await waitFor('the update', () => (inf.get('default/b')?.spec as { replicas?: number })?.replicas === 7);
    expect(inf.revision()).toBeGreaterThan(added);
    const updated = inf.revision();

    // A deletion the watch cannot replay (history compacted while it was down): only a relist finds it.
    await sandbox.suspend();
    remove('b');
    sandbox.faults.compact();
    await sandbox.resume();
    await waitFor('b gone', () => inf.get('default/b') === undefined);
    expect(inf.revision()).toBeGreaterThan(updated);
    expect(seen.at(-1)).toBe(inf.revision());
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
  });

  it('hands update and delete handlers the object they replace, and caches the transformed form', async () => {
    create('a');
    const seen: { type: InformerEventType; replicas: unknown; before: unknown }[] = [];
    informer = new Informer({
      rest: new KubeRest(sandbox.kubeConfig()),
      path: '/apis/apps/v1/deployments',
      clock: systemClock,
      logger: silent,
      transform: (o) => ({ ...o, metadata: { ...o.metadata, annotations: { cached: 'yes' } } }),
    });
    const replicas = (o: KubeObject | undefined) => (o?.spec as { replicas?: number } | undefined)?.replicas;
    informer.on((type, obj, previous) =>
      seen.push({ type, replicas: replicas(obj), before: replicas(previous) }),
    );
    informer.start();
    const inf = informer;
    await waitFor('synced', () => inf.hasSynced());
    expect(inf.get('default/a')?.metadata.annotations).toEqual({ cached: 'yes' });
    sandbox.service.update(deploymentType(), 'v1', 'default', 'a', {
      ...deploymentFixture('a', 7),
      metadata: { name: 'a', namespace: 'default' },
    } as never);
    await waitFor('the update', () => seen.some((e) => e.type === 'update'));
    remove('a');
    await waitFor('the delete', () => seen.some((e) => e.type === 'delete'));
    expect(seen.map((e) => e.type)).toEqual(['add', 'update', 'delete']);
    expect(seen[1]).toMatchObject({ replicas: 7, before: 2 });
    expect(seen[2]?.before).toBe(7);
    expect(inf.list()).toEqual([]);
  });
});
