/**
 * npm run bench:sandbox — does a write to the sandbox cost more as the sandbox fills?
 *
 * Starts the sandbox (by default as a child process, so this client does not share its CPU time), opens the
 * watches an engine and a simulator would (each: pods, deployments, replicasets, statefulsets, cluster-wide),
 * then writes through HTTP with a keep-alive agent and a few requests in flight: the Deployments, one
 * ReplicaSet per Deployment (ownerReference to it), and the Pods (ownerReference to a ReplicaSet), each pod
 * created and then marked Running through its /status subresource, as a kubelet does. It prints the time per
 * thousand pods, so the first and last thousand can be compared, the sandbox's CPU time and RSS, then deletes
 * one Deployment with Background and one with Foreground propagation and times the cascade.
 *
 * Env: BENCH_MODE=child|inprocess|both (child)  BENCH_DEPLOYMENTS=1000  BENCH_PODS_PER_RS=10
 *      BENCH_CONCURRENCY=12  BENCH_NAMESPACES=10  BENCH_CPU_PROF=<dir> (child mode: write a .cpuprofile)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startSandbox } from '../src/sandbox/sandbox.js';
import { BenchClient, CountingWatch } from './sandbox-http.js';
import { deployment, type Owner, pod, replicaSet, runningStatus } from './sandbox-workload.js';

const ROOT = resolve(import.meta.dirname, '..');
const DOC = resolve(ROOT, 'docs/sandbox.md');
const MODE = process.env.BENCH_MODE ?? 'child';
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 1000);
const PODS_PER_RS = Number(process.env.BENCH_PODS_PER_RS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 12);
const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 10);
const CPU_PROF = process.env.BENCH_CPU_PROF;
const PODS = DEPLOYMENTS * PODS_PER_RS;

interface Server {
  url: string;
  token: string;
  /** Current and peak resident set of the process serving the sandbox, MiB. */
  memory(): { rssMiB: number; peakMiB: number };
  /** CPU time (user + system) of that process so far, ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

async function childServer(): Promise<Server> {
  const profile = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [];
  const child: ChildProcess = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', 'bench/sandbox-server-worker.ts'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((done, fail) => {
    child.once('exit', (code) => fail(new Error(`sandbox worker exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', done);
  });
  const { url, token, pid } = JSON.parse(line) as { url: string; token: string; pid: number };
  const status = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) /
    1024;
  return {
    url,
    token,
    memory: () => ({ rssMiB: status('VmRSS'), peakMiB: status('VmHWM') }),
    cpuMs: () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 1/100 s
    },
    stop: () =>
      new Promise((done) => {
        child.removeAllListeners('exit');
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

async function inProcessServer(): Promise<Server> {
  const sandbox = await startSandbox({ port: 0 });
  const cpu0 = process.cpuUsage();
  return {
    url: sandbox.url,
    token: sandbox.authenticator.adminToken,
    memory: () => ({
      rssMiB: process.memoryUsage().rss / 2 ** 20,
      peakMiB: process.resourceUsage().maxRSS / 1024,
    }),
    cpuMs: () => {
      const used = process.cpuUsage(cpu0);
      return (used.user + used.system) / 1000;
    },
    stop: () => sandbox.stop(),
  };
}

/** Runs `task(0..count-1)` with `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Result {
  mode: string;
  totalS: number;
  requests: number;
  /** Requests sent again after a connection reset (see BenchClient.resets). */
  resets: number;
  perThousandS: number[];
  cpuS: number;
  rssMiB: number;
  peakMiB: number;
  backgroundGcMs: number;
  foregroundGcMs: number;
}

const WATCHED = ['/api/v1/pods', '/apis/apps/v1/deployments', '/apis/apps/v1/replicasets'];
const ALSO_WATCHED = '/apis/apps/v1/statefulsets';

async function run(mode: string): Promise<Result> {
  const server = mode === 'child' ? await childServer() : await inProcessServer();
  const client = new BenchClient(server.url, server.token, CONCURRENCY);
  const watches: CountingWatch[] = [];
  try {
    for (const _watcher of ['engine', 'simulator']) {
      for (const path of [...WATCHED, ALSO_WATCHED]) {
        watches.push(await CountingWatch.open(server.url, server.token, `${path}?watch=true`));
      }
    }
    const podWatches = watches.filter((_, i) => i % 4 === 0);
    const ns = (i: number) => `bench-${i % NAMESPACES}`;
    for (let i = 0; i < NAMESPACES; i++) {
      await client.expect([201], 'POST', '/api/v1/namespaces', { metadata: { name: ns(i) } });
    }
    const t0 = performance.now();
    const cpu0 = server.cpuMs();
    const deployOwners: Owner[] = [];
    await pool(DEPLOYMENTS, CONCURRENCY, async (i) => {
      const body = deployment(ns(i), `web-${i}`, PODS_PER_RS);
      const created = await client.expect(
        [201],
        'POST',
        `/apis/apps/v1/namespaces/${ns(i)}/deployments`,
        body,
      );
      const uid = String(created.metadata?.uid);
      deployOwners[i] = { apiVersion: 'apps/v1', kind: 'Deployment', name: `web-${i}`, uid };
    });
    const rsOwners: Owner[] = [];
    await pool(DEPLOYMENTS, CONCURRENCY, async (i) => {
      const body = replicaSet(ns(i), `web-${i}`, PODS_PER_RS, deployOwners[i] as Owner);
      const created = await client.expect(
        [201],
        'POST',
        `/apis/apps/v1/namespaces/${ns(i)}/replicasets`,
        body,
      );
      const uid = String(created.metadata?.uid);
      rsOwners[i] = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: body.metadata.name, uid };
    });
    const marks = [performance.now()];
    let done = 0;
    const startedAt = `${new Date().toISOString().slice(0, 19)}Z`;
    await pool(PODS, CONCURRENCY, async (j) => {
      const d = Math.floor(j / PODS_PER_RS);
      const body = pod(ns(d), `web-${d}`, j % PODS_PER_RS, `node-${j % 50}`, rsOwners[d] as Owner);
      const path = `/api/v1/namespaces/${ns(d)}/pods`;
      await client.expect([201], 'POST', path, body);
      const ip = `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`;
      const status = runningStatus(ip, startedAt, `web-${d}`);
      await client.expect(
        [200],
        'PATCH',
        `${path}/${body.metadata.name}/status`,
        status,
        'application/merge-patch+json',
      );
      if (++done % 1000 === 0 || done === PODS) {
        marks.push(performance.now());
        const lap = ((marks.at(-1) as number) - (marks.at(-2) as number)) / 1000;
        console.error(`${mode}: ${done} pods, last thousand in ${lap.toFixed(2)} s`);
      }
    });
    const totalS = (performance.now() - t0) / 1000;
    const cpuS = (server.cpuMs() - cpu0) / 1000;
    const memory = server.memory();
    const requests = client.requests;
    const resets = client.resets;
    await waitFor('every pod event at both pod watches', () =>
      podWatches.every((w) => w.count('ADDED') === PODS && w.count('MODIFIED') === PODS),
    );

    // Background: the request returns once the owner is gone; the collector then removes its dependents.
    const gone = async (namespace: string, app: string) => {
      const q = `?labelSelector=${encodeURIComponent(`app=${app}`)}`;
      const pods = await client.expect([200], 'GET', `/api/v1/namespaces/${namespace}/pods${q}`);
      const sets = await client.expect([200], 'GET', `/apis/apps/v1/namespaces/${namespace}/replicasets${q}`);
      return pods.items?.length === 0 && sets.items?.length === 0;
    };
    const deletedBefore = podWatches.map((w) => w.count('DELETED'));
    const g0 = performance.now();
    await client.expect([200, 202], 'DELETE', `/apis/apps/v1/namespaces/${ns(0)}/deployments/web-0`, {
      propagationPolicy: 'Background',
    });
    await waitFor('background cascade', async () => await gone(ns(0), 'web-0'));
    await waitFor('pod deletions at the watches', () =>
      podWatches.every((w, i) => w.count('DELETED') - (deletedBefore[i] as number) === PODS_PER_RS),
    );
    const backgroundGcMs = performance.now() - g0;
    // Foreground: the owner stays (deletionTimestamp + foregroundDeletion) until its dependents are gone.
    const f0 = performance.now();
    await client.expect([200, 202], 'DELETE', `/apis/apps/v1/namespaces/${ns(1)}/deployments/web-1`, {
      propagationPolicy: 'Foreground',
    });
    const ownerPath = `/apis/apps/v1/namespaces/${ns(1)}/deployments/web-1`;
    await waitFor('foreground cascade', async () => (await client.send('GET', ownerPath)).status === 404);
    if (!(await gone(ns(1), 'web-1'))) throw new Error('foreground deletion left dependents behind');
    const foregroundGcMs = performance.now() - f0;

    const perThousandS = marks.slice(1).map((m, i) => (m - (marks[i] as number)) / 1000);
    return {
      mode,
      totalS,
      requests,
      resets,
      perThousandS,
      cpuS,
      ...memory,
      backgroundGcMs,
      foregroundGcMs,
    };
  } finally {
    for (const w of watches) w.close();
    client.close();
    await server.stop();
  }
}

const fmt = (n: number, digits = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function report(results: Result[]): string {
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`;
  const rows = results.map((r) => {
    const first = r.perThousandS[0] ?? 0;
    const last = r.perThousandS.at(-1) ?? 0;
    return (
      `| ${r.mode} | ${fmt(r.totalS)} | ${r.requests.toLocaleString('en-US')} | ${fmt(r.requests / r.totalS, 0)} ` +
      `| ${fmt(first, 2)} | ${fmt(last, 2)} | ${fmt(last / first, 2)} | ${fmt(r.cpuS)} ` +
      `| ${fmt(r.rssMiB, 0)} (${fmt(r.peakMiB, 0)}) | ${fmt(r.backgroundGcMs, 0)} | ${fmt(r.foregroundGcMs, 0)} |`
    );
  });
  const series = results.map(
    (r) =>
      `- ${r.mode}, s per thousand pods: ${r.perThousandS.map((s) => fmt(s, 2)).join(', ')}` +
      (r.resets > 0 ? ` (${r.resets} requests resent after the server reset a keep-alive connection)` : ''),
  );
  return [
    `Run: ${new Date().toISOString()} on ${machine}; ${DEPLOYMENTS} Deployments, ${DEPLOYMENTS} ReplicaSets, ` +
      `${PODS} Pods (create + status patch each), ${CONCURRENCY} requests in flight, 8 watches open.`,
    '',
    '| sandbox | total s | requests | req/s | first 1k pods s | last 1k pods s | last/first | sandbox CPU s (writes) | RSS MiB (peak) | Background GC ms | Foreground GC ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...series,
  ].join('\n');
}

async function main(): Promise<void> {
  const modes = MODE === 'both' ? ['child', 'inprocess'] : [MODE];
  const results: Result[] = [];
  for (const mode of modes) {
    const result = await run(mode);
    console.error(JSON.stringify(result));
    results.push(result);
  }
  const table = report(results);
  console.log(table);
  const doc = readFileSync(DOC, 'utf8');
  const start = '<!-- bench:sandbox:start -->';
  const end = '<!-- bench:sandbox:end -->';
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i && DEPLOYMENTS === 1000 && PODS_PER_RS === 10) {
    writeFileSync(DOC, `${doc.slice(0, i + start.length)}\n${table}\n${doc.slice(j)}`);
  }
}

await main();
