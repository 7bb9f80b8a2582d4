import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startCli } from '../support/child-process.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('coordination-engine sandbox', () => {
  it('listens on a free port, writes a kubeconfig kubectl accepts, and exits 0 on SIGTERM', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sandbox-cli-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const proc = startCli(['sandbox', '--port', '0', '--kubeconfig', kubeconfig]);
    try {
      const [, url] = await proc.waitForOutput(/sandbox listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const config = parse(await readFile(kubeconfig, 'utf8')) as {
        clusters: Array<{ cluster: { server: string } }>;
      };
      expect(config.clusters[0]?.cluster.server).toBe(url);
      const { stdout } = await run('kubectl', [
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        join(dir, 'cache'),
        'get',
        'ns',
        'default',
        '-o',
        'name',
      ]);
      expect(stdout.trim()).toBe('namespace/default');
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  it('rejects a bad port with a message naming it', async () => {
    const proc = startCli(['sandbox', '--port', '99999']);
    expect(await proc.exited).not.toBe(0);
    expect(proc.output()).toContain('"99999"');
  });

  it('runs the simulated cluster with --simulate: kubectl create deployment gets Running pods, /metrics reports them', async () => {
    const simDir = await mkdtemp(join(tmpdir(), 'sandbox-cli-sim-'));
    const kubeconfig = join(simDir, 'kubeconfig');
    const proc = startCli([
      'sandbox',
      '--kubeconfig',
      kubeconfig,
      '--simulate',
      '--nodes',
      '2',
      '--exporter-port',
      '0',
    ]);
    const kubectl = async (...args: string[]) =>
      (await run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(simDir, 'cache'), ...args]))
        .stdout;
    try {
      const [, metricsUrl] = await proc.waitForOutput(/metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
      expect(await kubectl('get', 'nodes', '-o', 'name')).toBe('node/worker-1\nnode/worker-2\n');
      await kubectl('create', 'deployment', 'web', '--image=nginx', '--replicas=2');
      await waitFor(
        'two Running pods in kubectl get pods',
        async () => (await kubectl('get', 'pods', '--no-headers')).match(/ 1\/1 +Running /g)?.length === 2,
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      const metrics = await (await fetch(metricsUrl as string)).text();
      expect(metrics.match(/^kube_pod_info\{.*namespace="default",pod="web-/gm)).toHaveLength(2);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    } finally {
      proc.child.kill('SIGKILL');
      await rm(simDir, { recursive: true, force: true });
    }
  });

  it('refuses --exporter-port without --simulate', async () => {
    const proc = startCli(['sandbox', '--exporter-port', '9100']);
    expect(await proc.exited).not.toBe(0);
    expect(proc.output()).toContain('--exporter-port needs --simulate');
  });
});
