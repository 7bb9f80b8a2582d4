import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo/prometheus-launcher.js';
import { type RunningProcess, startNode } from '../support/child-process.js';
import { compileCli } from '../support/compiled-cli.js';
import { waitFor } from '../support/wait-for.js';
import { sandboxWithCrd } from './engine-harness.js';

/**
 * Start-up as a new user meets it, through the compiled CLI (what `npm install` puts on the PATH): /healthz answers
 * within a second whatever the dependencies do, and what cannot work is said in one line with exit code 2.
 */

/** A server that accepts connections and never answers: the worst kind of dependency. */
async function hangingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The environment of a machine with no Kubernetes configuration at all. */
function bareEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home };
  return env;
}

let cli: Awaited<ReturnType<typeof compileCli>>;
const home = mkdtempSync(join(tmpdir(), 'ce-home-'));

/** Runs the compiled CLI to completion: exit code, stdout and stderr apart. */
function run(
  args: string[],
  env: NodeJS.ProcessEnv = bareEnv(home),
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((done) => {
    execFile(process.execPath, [cli.main, ...args], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

beforeAll(async () => {
  cli = await compileCli();
}, 120_000);

afterAll(() => {
  cli?.cleanup();
  rmSync(home, { recursive: true, force: true });
});

describe('engine start-up', () => {
  let ml: Awaited<ReturnType<typeof hangingServer>>;
  let prometheus: Awaited<ReturnType<typeof hangingServer>>;
  let cluster: Awaited<ReturnType<typeof sandboxWithCrd>>;
  const engines: RunningProcess[] = [];

  beforeAll(async () => {
    [ml, prometheus, cluster] = await Promise.all([hangingServer(), hangingServer(), sandboxWithCrd()]);
  });
  afterAll(async () => {
    for (const engine of engines) {
      if (engine.child.exitCode === null && engine.child.signalCode === null) engine.child.kill('SIGKILL');
      await engine.exited;
    }
    await Promise.all([ml?.close(), prometheus?.close(), cluster?.cleanup()]);
  });

  /** Starts `run` against the hanging ML service and Prometheus; polls /healthz from the moment of spawn. */
  async function startAgainstHangingDependencies(entry: string[]) {
    const port = await freePort();
    const spawnedAt = performance.now();
    const engine = startNode(
      [
        ...entry,
        'run',
        '--kubeconfig',
        join(cluster.dir, 'kubeconfig'),
        '--port',
        String(port),
        '--metrics-port',
        '0',
        '--prometheus-url',
        prometheus.url,
        '--ml-service-url',
        ml.url,
        '--ml-service-timeout',
        '5s',
        '--leader-election-identity',
        `startup-${port}`,
      ],
      process.env,
    );
    engines.push(engine);
    let startedLogAt: number | undefined;
    engine.child.stdout.on('data', () => {
      if (startedLogAt === undefined && engine.output().includes('"msg":"starting"')) {
        startedLogAt = performance.now();
      }
    });
    const healthyAt = await waitFor(
      '/healthz to answer',
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`, {
          signal: AbortSignal.timeout(500),
        }).catch(() => undefined);
        return res?.status === 200 ? performance.now() : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 10 },
    );
    return { engine, port, spawnedAt, healthyAt, startedLogAt: () => startedLogAt };
  }

  it('/healthz answers within 1 s of spawn while the ML service and Prometheus accept and never answer', async () => {
    const { engine, port, spawnedAt, healthyAt, startedLogAt } = await startAgainstHangingDependencies([
      cli.main,
    ]);
    const logged = startedLogAt();
    expect(logged, engine.output()).toBeDefined();
    console.info(
      `compiled CLI: /healthz answered ${Math.round(healthyAt - spawnedAt)} ms after spawn, ` +
        `${Math.round(healthyAt - (logged ?? 0))} ms after the "starting" log line`,
    );
    // The engine's part: from its first line to a listening /healthz, whatever the dependencies do.
    expect(healthyAt - (logged ?? 0), engine.output()).toBeLessThan(1_000);
    // From spawn it also includes Node's own start, which on an idle 2-core machine is 0.15-0.6 s in all but
    // the 1 s budget, but with the rest of the suite running alongside has taken 1.4 s. Waiting on a hanging
    // dependency would cost at least its 2-5 s timeout, so this bound still catches that regression.
    expect(healthyAt - spawnedAt, engine.output()).toBeLessThan(2_000);

    // The dependency checks run concurrently, each bounded by its timeout (5 s for the ML service; Prometheus's
    // readiness probe 2 s): reconciling starts after them, not after the ML client's retries (3 attempts of 5 s
    // here, 94 s at the defaults). Measured on the engine's own log clock, from the engine being built.
    await engine.waitForOutput(/"msg":"reconciling"/, 30_000);
    const logTime = (msg: string) =>
      Number(engine.output().match(new RegExp(`"time":(\\d+),[^\\n]*"msg":"${msg}"`))?.[1]);
    const waitedMs = logTime('reconciling') - logTime('engine started');
    console.info(`compiled CLI: reconciling ${waitedMs} ms after the engine was built`);
    expect(waitedMs).toBeGreaterThan(0);
    expect(waitedMs).toBeLessThan(5_000 + 2_000);

    // Health answers within the ML timeout too, and says what the hanging dependencies are.
    const asked = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
    expect(performance.now() - asked).toBeLessThan(5_000 + 2_000);
    const body = (await res.json()) as { dependencies: Record<string, { status: string; message: string }> };
    expect(body.dependencies.prometheus?.status).toBe('down');
    expect(body.dependencies.mlService).toMatchObject({ status: 'degraded' });
    expect(body.dependencies.kubernetes?.status).toBe('ok');
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  }, 60_000);

  it('through tsx, /healthz answers within 1 s of the process logging that it started', async () => {
    const { engine, spawnedAt, healthyAt, startedLogAt } = await startAgainstHangingDependencies([
      '--import',
      'tsx',
      'src/cli/main.ts',
    ]);
    const logged = startedLogAt();
    expect(logged, engine.output()).toBeDefined();
    console.info(
      `tsx: /healthz answered ${Math.round(healthyAt - spawnedAt)} ms after spawn, ` +
        `${Math.round(healthyAt - (logged ?? 0))} ms after the "starting" log line`,
    );
    expect(healthyAt - (logged ?? 0)).toBeLessThan(1_000);
  }, 60_000);
});

describe('what cannot work is one line and exit code 2', () => {
  it('no kubeconfig and not in a cluster', async () => {
    const result = await run(['run', '--port', '0', '--metrics-port', '0']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `coordination-engine: no Kubernetes to talk to: no kubeconfig (--kubeconfig and KUBECONFIG are unset, ` +
        `${home}/.kube/config does not exist) and not in a cluster (KUBERNETES_SERVICE_HOST is unset)\n`,
    );
  });

  it.each([
    [
      ['--namespaces', 'Bad_NS,'],
      /^coordination-engine: invalid --namespaces \(NAMESPACES\): "Bad_NS" is not/,
    ],
    [
      ['--protected-namespaces', 'kube-system,,prod'],
      /^coordination-engine: invalid --protected-namespaces \(PROTECTED_NAMESPACES\): .*empty entry/,
    ],
    [['--leader-election-namespace', 'My_NS'], /^coordination-engine: invalid --leader-election-namespace/],
  ])('run %j', async (args, message) => {
    const result = await run(['run', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a PROMETHEUS_BIN that does not exist stops the demo before it starts anything', async () => {
    const result = await run(['demo', '--dir', join(home, 'demo')], {
      ...bareEnv(home),
      PROMETHEUS_BIN: '/nonexistent/prometheus',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'coordination-engine: PROMETHEUS_BIN=/nonexistent/prometheus is not an executable file (no such file); ' +
        'unset it to use the one on PATH or in /usr/bin, or run the demo with --no-prometheus\n',
    );
    expect(result.stdout).not.toContain('sandbox listening');
  });
});

describe('argument errors are one line and a hint, not the whole help', () => {
  it.each([
    [['run', '--bogus'], "error: unknown option '--bogus' (see 'coordination-engine run --help')"],
    [
      ['features', '--prometheus-url', 'http://127.0.0.1:1', '--namespace', 'shop', '--timeout', '5000'],
      `error: option '--timeout <duration>' argument '5000' is invalid. --timeout expects a duration such as 30s or 1m30s, got "5000" (see 'coordination-engine features --help')`,
    ],
    [
      ['features', '--prometheus-url', 'http://127.0.0.1:1', '--namespace', 'Shop'],
      `error: option '--namespace <ns>' argument 'Shop' is invalid. --namespace: "Shop" is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit) (see 'coordination-engine features --help')`,
    ],
    [['nonsense'], "error: unknown command 'nonsense' (see 'coordination-engine --help')"],
  ])('%j', async (args, line) => {
    const result = await run(args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toBe(`${line}\n`);
  });

  it('durations are shown as durations in --help', async () => {
    const [demo, features] = await Promise.all([run(['demo', '--help']), run(['features', '--help'])]);
    expect(demo.stdout).toMatch(/--duration <duration> .*\(default:\s+3m\)/s);
    expect(demo.stdout).not.toContain('180000');
    expect(features.stdout).toMatch(/--timeout <duration> .*\(default:\s+30s\)/s);
  });
});
