import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { deploymentFixture, podFixture } from './fixtures.js';

/*
 * `kubectl get` against the sandbox must read like a real cluster: the columns and cells come from the
 * server's Table, kubectl only lays them out (and hides priority-1 columns without -o wide).
 */

const run = promisify(execFile);
const NS = 'printing';
const TEN_DAYS_AGO = new Date(Date.now() - 10 * 86_400_000).toISOString();
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let sandbox: Sandbox;
let dir: string;
let core: CoreV1Api;
let apps: AppsV1Api;

async function kubectl(...extra: string[]): Promise<string[]> {
  const args = ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...extra];
  const { stdout } = await run('kubectl', args, { timeout: 30_000 });
  return stdout.trimEnd().split('\n');
}

/** kubectl pads columns with at least three spaces; cells themselves hold at most single spaces. */
function fields(line: string | undefined): string[] {
  return (line ?? '').trim().split(/ {3,}/);
}

function rowOf(lines: string[], name: string): string[] {
  const line = lines.find((l) => fields(l)[0] === name);
  if (!line) throw new Error(`no row ${name} in:\n${lines.join('\n')}`);
  return fields(line);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubectl-get-printing-'));
  sandbox = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig') });
  const kc = sandbox.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });

  await core.createNamespacedPod({ namespace: NS, body: podFixture('crash', { app: 'web' }, 'node-a') });
  await core.patchNamespacedPodStatus(
    {
      name: 'crash',
      namespace: NS,
      body: {
        status: {
          phase: 'Running',
          podIP: '10.244.0.7',
          podIPs: [{ ip: '10.244.0.7' }],
          containerStatuses: [
            {
              name: 'app',
              image: 'nginx:1.27',
              imageID: '',
              ready: false,
              restartCount: 3,
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
              lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: TEN_DAYS_AGO } },
            },
          ],
        },
      },
    },
    mergePatch,
  );

  await apps.createNamespacedDeployment({ namespace: NS, body: deploymentFixture('web', 3) });
  await apps.patchNamespacedDeploymentStatus(
    {
      name: 'web',
      namespace: NS,
      body: { status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } },
    },
    mergePatch,
  );
  const template = deploymentFixture('web').spec?.template;
  await apps.createNamespacedReplicaSet({
    namespace: NS,
    body: {
      metadata: { name: 'web-5d8f' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
    },
  });
  await apps.patchNamespacedReplicaSetStatus(
    { name: 'web-5d8f', namespace: NS, body: { status: { replicas: 3, readyReplicas: 2 } } },
    mergePatch,
  );

  await core.createNamespacedEvent({
    namespace: NS,
    body: {
      metadata: { name: 'crash.17d' },
      involvedObject: { kind: 'Pod', name: 'crash', namespace: NS, fieldPath: 'spec.containers{app}' },
      reason: 'BackOff',
      type: 'Warning',
      message: 'Back-off restarting failed container app',
      source: { component: 'kubelet', host: 'node-a' },
      count: 12,
      firstTimestamp: new Date(Date.now() - 12 * 86_400_000),
      lastTimestamp: new Date(TEN_DAYS_AGO),
    },
  });

  for (const [name, ready, labels] of [
    ['node-a', 'True', { 'node-role.kubernetes.io/control-plane': '' }],
    ['node-b', 'False', {}],
  ] as const) {
    await core.createNode({
      body: { metadata: { name, labels }, spec: { unschedulable: name === 'node-b' } },
    });
    await core.patchNodeStatus(
      {
        name,
        body: {
          status: {
            conditions: [{ type: 'Ready', status: ready, reason: 'KubeletReady' }],
            addresses: [{ type: 'InternalIP', address: name === 'node-a' ? '10.0.0.1' : '10.0.0.2' }],
            nodeInfo: { kubeletVersion: 'v1.32.4', osImage: 'Debian GNU/Linux 12 (bookworm)' },
          },
        },
      },
      mergePatch,
    );
  }
});
afterAll(async () => {
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('kubectl get reads like a real cluster', () => {
  it('prints pods with the aggregate STATUS and restarts dated by the last termination', async () => {
    const lines = await kubectl('get', 'pods', '-n', NS);
    expect(fields(lines[0])).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(rowOf(lines, 'crash')).toEqual([
      'crash',
      '0/1',
      'CrashLoopBackOff',
      '3 (10d ago)',
      expect.stringMatching(/^\d+s$/),
    ]);
  });

  it('adds IP, NODE, NOMINATED NODE and READINESS GATES with -o wide', async () => {
    const lines = await kubectl('get', 'pods', '-n', NS, '-o', 'wide');
    expect(fields(lines[0])).toEqual([
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    expect(rowOf(lines, 'crash').slice(5)).toEqual(['10.244.0.7', 'node-a', '<none>', '<none>']);
  });

  it('prints deployments and replicasets with their replica counts, wide with containers and selector', async () => {
    const deploy = await kubectl('get', 'deploy', '-n', NS);
    expect(fields(deploy[0])).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    expect(rowOf(deploy, 'web').slice(0, 4)).toEqual(['web', '2/3', '3', '2']);
    const wide = await kubectl('get', 'deploy', '-n', NS, '-o', 'wide');
    expect(fields(wide[0]).slice(5)).toEqual(['CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(rowOf(wide, 'web').slice(5)).toEqual(['app,sidecar', 'nginx:1.27,envoy:1.30', 'app=web']);

    const rs = await kubectl('get', 'rs', '-n', NS);
    expect(fields(rs[0])).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    expect(rowOf(rs, 'web-5d8f').slice(0, 4)).toEqual(['web-5d8f', '3', '3', '2']);
  });

  it('prints events with LAST SEEN first and the object as kind/name, through both Event APIs', async () => {
    const lines = await kubectl('get', 'events', '-n', NS);
    expect(fields(lines[0])).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(fields(lines[1])).toEqual([
      '10d',
      'Warning',
      'BackOff',
      'pod/crash',
      'Back-off restarting failed container app',
    ]);
    const wide = await kubectl('get', 'events', '-n', NS, '-o', 'wide');
    expect(fields(wide[0])).toEqual([
      'LAST SEEN',
      'TYPE',
      'REASON',
      'OBJECT',
      'SUBOBJECT',
      'SOURCE',
      'MESSAGE',
      'FIRST SEEN',
      'COUNT',
      'NAME',
    ]);
    expect(fields(wide[1]).slice(4)).toEqual([
      'spec.containers{app}',
      'kubelet, node-a',
      'Back-off restarting failed container app',
      '12d',
      '12',
      'crash.17d',
    ]);
    const eventsV1 = await kubectl('get', 'events.v1.events.k8s.io', '-n', NS);
    expect(eventsV1).toEqual(lines);
  });

  it('prints nodes with STATUS from the Ready condition and ROLES from the role labels', async () => {
    const lines = await kubectl('get', 'nodes');
    expect(fields(lines[0])).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(rowOf(lines, 'node-a')).toEqual([
      'node-a',
      'Ready',
      'control-plane',
      expect.stringMatching(/^\d+s$/),
      'v1.32.4',
    ]);
    expect(rowOf(lines, 'node-b')).toEqual([
      'node-b',
      'NotReady,SchedulingDisabled',
      '<none>',
      expect.stringMatching(/^\d+s$/),
      'v1.32.4',
    ]);
    const wide = await kubectl('get', 'nodes', '-o', 'wide');
    expect(rowOf(wide, 'node-a').slice(5)).toEqual([
      '10.0.0.1',
      '<none>',
      'Debian GNU/Linux 12 (bookworm)',
      '<unknown>',
      '<unknown>',
    ]);
  });
});
