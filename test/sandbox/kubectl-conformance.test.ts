import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { waitFor } from '../support/wait-for.js';
import { deploymentFixture, widgetCrd } from './fixtures.js';

const run = promisify(execFile);
let sandbox: Sandbox;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubectl-conformance-'));
  sandbox = await startSandbox({ kubeconfigPath: join(dir, 'kubeconfig') });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The real kubectl with the kubeconfig the sandbox wrote; a private discovery cache per test run. */
function args(extra: string[]): string[] {
  return ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...extra];
}

async function kubectl(...extra: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('kubectl', args(extra), { timeout: 30_000 });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
  }
}

async function manifest(name: string, object: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, stringify(object));
  return path;
}

describe('sandbox through the real kubectl', () => {
  it('reports a server version kubectl accepts and lists built-in resources', async () => {
    const version = await kubectl('version', '-o', 'json');
    expect(version.code).toBe(0);
    expect(JSON.parse(version.stdout).serverVersion.minor).toBe('32');
    const ns = await kubectl('get', 'namespaces');
    expect(ns.stdout).toMatch(/^NAME\s+STATUS\s+AGE/);
    expect(ns.stdout).toMatch(/kube-system\s+Active/);
  });

  it('applies a CRD, then objects of it with defaults applied, and rejects an invalid one naming the fields', async () => {
    const crd = await kubectl('apply', '-f', await manifest('crd.yaml', widgetCrd));
    expect(crd.stderr).toBe('');
    expect(crd.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created');
    const good = await kubectl(
      'apply',
      '-f',
      await manifest('w1.yaml', {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w1' },
        spec: { color: 'green' },
      }),
    );
    expect(good.stdout).toContain('widget.example.com/w1 created');
    const read = await kubectl('get', 'widget', 'w1', '-o', 'json');
    expect(JSON.parse(read.stdout).spec).toEqual({ color: 'green', size: 3, mode: 'safe' });
    const table = await kubectl('get', 'wd');
    expect(table.stdout).toMatch(/^NAME\s+SIZE\s+PHASE\s+AGE/);
    // Printer columns: a missing value prints empty, a date column prints as an age.
    expect(table.stdout).toMatch(/w1\s+3\s+\d+s\n/);
    const bad = await kubectl(
      'apply',
      '-f',
      await manifest('bad.yaml', {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'bad' },
        spec: { color: 'pink', size: 20 },
      }),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.color: Unsupported value: "pink"');
    expect(bad.stderr).toContain('spec.size: Invalid value: 20');
    const unknown = await kubectl(
      'apply',
      '-f',
      await manifest('unknown.yaml', {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'u' },
        spec: { color: 'red', colour: 'red' },
      }),
    );
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('unknown field "spec.colour"');
  });

  it('creates and watches pods, patches and deletes them', async () => {
    const watcher = spawn('kubectl', args(['get', 'pods', '-w', '-n', 'default', '--output-watch-events']));
    children.push(watcher);
    let seen = '';
    watcher.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
    });
    const created = await kubectl('run', 'kp', '--image=nginx:1.27', '--labels=app=kp');
    expect(created.stdout).toContain('pod/kp created');
    await waitFor('kubectl -w to print the new pod', () => /ADDED\s+kp\s+0\/1\s+Pending/.test(seen));
    const patched = await kubectl(
      'patch',
      'pod',
      'kp',
      '--type=merge',
      '-p',
      '{"metadata":{"labels":{"tier":"front"}}}',
    );
    expect(patched.stdout).toContain('pod/kp patched');
    await waitFor('kubectl -w to print the modification', () => /MODIFIED\s+kp/.test(seen));
    const labels = await kubectl('get', 'pod', 'kp', '-o', 'jsonpath={.metadata.labels.tier}');
    expect(labels.stdout).toBe('front');
    const deleted = await kubectl('delete', 'pod', 'kp');
    expect(deleted.stdout).toContain('pod "kp" deleted');
    await waitFor('kubectl -w to print the deletion', () => /DELETED\s+kp/.test(seen));
    expect((await kubectl('get', 'pod', 'kp')).stderr).toContain('pods "kp" not found');
  });

  it('re-applies a changed Deployment with a strategic merge that keeps list items by name', async () => {
    const deploy = deploymentFixture('kweb');
    const path = await manifest('deploy.yaml', deploy);
    expect((await kubectl('apply', '-f', path)).stdout).toContain('deployment.apps/kweb created');
    const containers = deploy.spec?.template.spec?.containers ?? [];
    (containers[0] as { image: string }).image = 'nginx:1.28';
    await manifest('deploy.yaml', deploy);
    expect((await kubectl('apply', '-f', path)).stdout).toContain('deployment.apps/kweb configured');
    const images = await kubectl(
      'get',
      'deploy',
      'kweb',
      '-o',
      'jsonpath={.spec.template.spec.containers[*].image}',
    );
    expect(images.stdout).toBe('nginx:1.28 envoy:1.30');
    expect((await kubectl('scale', 'deploy', 'kweb', '--replicas=3')).stdout).toContain('scaled');
    expect((await kubectl('get', 'deploy', 'kweb', '-o', 'jsonpath={.spec.replicas}')).stdout).toBe('3');
    expect((await kubectl('delete', '-f', path)).stdout).toContain('deleted');
  });
});
