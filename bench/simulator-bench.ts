/**
 * npm run bench:simulator — what the simulated control plane costs at 1,000 and 10,000 pods.
 *
 * Three processes: the sandbox (API server), the simulator (controllers, scheduler, kubelets, exporter) and this
 * driver. For each size the driver creates the workloads through the API (5 pods each, so 10,000 pods are 2,000
 * Deployments; 1 % of them crash-loop), waits until every pod runs, then measures a steady minute:
 * the simulator's CPU seconds per minute, its RSS, its writes to the API, the sandbox's CPU, and the exporter's
 * scrape time and size (samples are computed at scrape time).
 *
 * Env: BENCH_SIZES=1000,10000  BENCH_STEADY_SECONDS=60
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../src/kube/rest-client.js';
import { mapLimit } from '../src/simulator/map-limit.js';

const ROOT = resolve(import.meta.dirname, '..');
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 60);
const PODS_PER_WORKLOAD = 5;
const NAMESPACES = 10;

/** CPU ms a process has used (utime + stime, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

async function startSandbox(kubeconfig: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'sandbox', '--port', '0', '--kubeconfig', kubeconfig],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((ready, fail) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('sandbox listening')) ready();
    });
    child.once('exit', (code) => fail(new Error(`sandbox exited with ${code}`)));
  });
  return child;
}

function ask<T>(child: ChildProcess, message: object, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (reply: Record<string, unknown>) => {
      if (reply[key] === undefined) return;
      child.off('message', onMessage);
      resolve(reply as T);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

interface PodList {
  items: { status?: { phase?: string; conditions?: { type: string; status: string }[] } }[];
}

/** Pods that have started (phase Running): the crash-looping 1 % are rarely Ready, but they do run. */
async function countRunning(rest: KubeRest): Promise<number> {
  const list = await rest.request<PodList>({ method: 'GET', path: '/api/v1/pods', timeoutMs: 120_000 });
  return list.items.filter((p) => p.status?.phase === 'Running').length;
}

async function measure(pods: number) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-sim-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const sandbox = await startSandbox(kubeconfig);
  const nodes = Math.ceil(pods / 100);
  const simulator = fork(join(ROOT, 'bench/simulator-worker.ts'), [kubeconfig, String(nodes)], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const { exporter } = await ask<{ exporter: string }>(simulator, {}, 'ready');
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const rest = new KubeRest(kc, 120_000);
    for (let n = 0; n < NAMESPACES; n++) {
      await rest.request({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { metadata: { name: `bench-${n}` } },
      });
    }
    const workloads = pods / PODS_PER_WORKLOAD;
    const started = Date.now();
    await mapLimit(
      Array.from({ length: workloads }, (_, i) => i),
      16,
      async (i) => {
        const name = `app-${String(i).padStart(5, '0')}`;
        const annotations: Record<string, string> =
          i % 100 === 0
            ? {
                'sandbox.coordination-engine.io/behaviour': 'crashloop',
                'sandbox.coordination-engine.io/crash-after': '30s',
              }
            : {};
        await rest.request({
          method: 'POST',
          path: `/apis/apps/v1/namespaces/bench-${i % NAMESPACES}/deployments`,
          body: {
            metadata: { name, annotations },
            spec: {
              replicas: PODS_PER_WORKLOAD,
              selector: { matchLabels: { app: name } },
              template: {
                metadata: { labels: { app: name } },
                spec: {
                  containers: [
                    {
                      name: 'app',
                      image: 'registry/app:1.0',
                      resources: {
                        limits: { cpu: '200m', memory: '128Mi' },
                        requests: { cpu: '20m', memory: '64Mi' },
                      },
                    },
                  ],
                },
              },
            },
          },
        });
      },
    );
    const created = Date.now();
    let ready = 0;
    const deadline = Date.now() + 30 * 60_000;
    while (ready < pods) {
      if (Date.now() > deadline) throw new Error(`only ${ready} of ${pods} pods Running after 30 minutes`);
      await new Promise((r) => setTimeout(r, pods > 2000 ? 5_000 : 1_000));
      ready = await countRunning(rest);
    }
    const allRunning = Date.now();
    // Steady state: nothing changes but the crash loops; the kubelets should be nearly idle.
    const before = await ask<{ stats: { writes: number } }>(simulator, { stats: true }, 'stats');
    const simCpu0 = cpuMs(simulator.pid as number);
    const apiCpu0 = cpuMs(sandbox.pid as number);
    let peakRss = 0;
    const steadyEnd = Date.now() + STEADY_SECONDS * 1000;
    while (Date.now() < steadyEnd) {
      peakRss = Math.max(peakRss, rssMiB(simulator.pid as number));
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const after = await ask<{ stats: { writes: number; pods: number } }>(simulator, { stats: true }, 'stats');
    const perMinute = 60 / STEADY_SECONDS;
    const simCpu = ((cpuMs(simulator.pid as number) - simCpu0) / 1000) * perMinute;
    const apiCpu = ((cpuMs(sandbox.pid as number) - apiCpu0) / 1000) * perMinute;
    const scrapes: { ms: number; bytes: number; samples: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const text = await (await fetch(`${exporter}/metrics`)).text();
      scrapes.push({
        ms: performance.now() - t0,
        bytes: text.length,
        samples: text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length,
      });
    }
    const scrape = scrapes.sort((a, b) => a.ms - b.ms)[1] as { ms: number; bytes: number; samples: number };
    return {
      pods,
      workloads,
      nodes,
      createSeconds: (created - started) / 1000,
      readySeconds: (allRunning - started) / 1000,
      simCpuPerMinute: simCpu,
      simRssMiB: peakRss,
      writesPerMinute: (after.stats.writes - before.stats.writes) * perMinute,
      apiCpuPerMinute: apiCpu,
      scrapeMs: scrape.ms,
      scrapeMiB: scrape.bytes / 2 ** 20,
      samples: scrape.samples,
    };
  } finally {
    simulator.kill('SIGKILL');
    sandbox.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const size of SIZES) {
  process.stderr.write(`measuring ${size} pods…\n`);
  rows.push(await measure(size));
}
const f = (n: number, d = 1) => n.toFixed(d);
console.log(
  `simulator, ${STEADY_SECONDS}s steady state after all pods Running (${process.arch}, ${process.version})`,
);
console.log(
  'pods    workloads nodes  create s  all Running s  sim CPU s/min  sim RSS MiB  writes/min  sandbox CPU s/min  scrape ms  scrape MiB  samples',
);
for (const r of rows) {
  console.log(
    [
      String(r.pods).padEnd(7),
      String(r.workloads).padStart(9),
      String(r.nodes).padStart(5),
      f(r.createSeconds).padStart(9),
      f(r.readySeconds).padStart(14),
      f(r.simCpuPerMinute, 2).padStart(14),
      f(r.simRssMiB, 0).padStart(12),
      f(r.writesPerMinute, 0).padStart(11),
      f(r.apiCpuPerMinute, 2).padStart(18),
      f(r.scrapeMs, 0).padStart(10),
      f(r.scrapeMiB, 1).padStart(11),
      String(r.samples).padStart(8),
    ].join(' '),
  );
}
