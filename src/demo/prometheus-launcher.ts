import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { ClusterDataset, SampleSeries } from './cluster-metrics.js';
import { writeOpenMetrics } from './openmetrics-writer.js';

const execFileAsync = promisify(execFile);

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The executable `name`: from the variable `envVar` if set (and executable), else the first on PATH, else /usr/bin
 * (Debian's package). A variable set to something unusable is not silently replaced by another binary; see
 * executableProblem.
 */
export function findExecutable(name: string, envVar: string): string | undefined {
  const explicit = process.env[envVar];
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), '/usr/bin'];
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

/** Why PROMETHEUS_BIN or PROMTOOL_BIN cannot be used, when one is set to something that is not an executable file. */
export function executableProblem(): string | undefined {
  for (const envVar of ['PROMETHEUS_BIN', 'PROMTOOL_BIN']) {
    const value = process.env[envVar];
    if (value && !isExecutable(value)) {
      return `${envVar}=${value} is not an executable file (${existsSync(value) ? 'not executable' : 'no such file'}); unset it to use the one on PATH or in /usr/bin`;
    }
  }
  return undefined;
}

export const PROMETHEUS_BIN = findExecutable('prometheus', 'PROMETHEUS_BIN') ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = findExecutable('promtool', 'PROMTOOL_BIN') ?? '/usr/bin/promtool';

/** True when both `prometheus` and `promtool` can be run, i.e. backfill and launch can work. */
export function prometheusAvailable(): boolean {
  return (
    findExecutable('prometheus', 'PROMETHEUS_BIN') !== undefined &&
    findExecutable('promtool', 'PROMTOOL_BIN') !== undefined
  );
}

export interface RunningPrometheus {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stops the process (SIGTERM, then SIGKILL after a deadline) and deletes its temporary storage. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Backfills the dataset into a fresh TSDB directory with promtool. Prometheus 2.42 loads such blocks on start
 * even when they reach up to "now": with an empty head there is nothing to overlap, so no scrape target is
 * needed to serve the recent window (checked by the exactness tests, which evaluate 1-2 minutes before now).
 */
export async function backfill(
  dataset: Pick<ClusterDataset, 'series'>,
  dataDir: string,
  workDir: string,
): Promise<{ samples: number }> {
  const file = join(workDir, 'history.om');
  const { samples } = writeOpenMetrics(file, dataset.series);
  await execFileAsync(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', file, dataDir], {
    maxBuffer: 64 * 1024 * 1024,
  });
  await rm(file, { force: true });
  return { samples };
}

async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`);
    return res.status === 200;
  } catch {
    return false;
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  // No pid: it never started (spawn failed), so there is nothing to stop.
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface ScrapeOptions {
  /** host:port targets serving /metrics (the simulator's exporter); scraped with honor_labels. */
  targets: readonly string[];
  intervalSeconds: number;
}

/**
 * The Prometheus configuration: no scraping for a pure backfill; otherwise one job with honor_labels, because the
 * simulator's exporter speaks for every kubelet, node-exporter and kube-state-metrics and labels its series as
 * they would (`job`, `instance`, `namespace`, `pod`).
 */
export function prometheusConfig(scrape?: ScrapeOptions): string {
  if (!scrape || scrape.targets.length === 0) return 'global:\n  evaluation_interval: 1m\n';
  return [
    'global:',
    `  scrape_interval: ${scrape.intervalSeconds}s`,
    `  scrape_timeout: ${Math.max(1, Math.min(10, scrape.intervalSeconds))}s`,
    '  evaluation_interval: 1m',
    'scrape_configs:',
    '  - job_name: sandbox-cluster',
    '    honor_labels: true',
    '    static_configs:',
    `      - targets: [${scrape.targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
}

/** Starts PROMETHEUS_BIN on 127.0.0.1 with a free port over an existing TSDB directory. */
export async function startPrometheus(
  dataDir: string,
  workDir: string,
  scrape?: ScrapeOptions,
): Promise<RunningPrometheus> {
  const config = join(workDir, 'prometheus.yml');
  await writeFile(config, prometheusConfig(scrape));
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${dataDir}`,
        // Backfilled history must never age out while a test or the bench runs.
        '--storage.tsdb.retention.time=100y',
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    // A binary that cannot be run (removed since the check, or not a program) is an 'error' event, not an exit.
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    try {
      const deadline = Date.now() + 60_000;
      while (!(await isReady(url))) {
        if (spawnError) throw new Error(`${PROMETHEUS_BIN} cannot be run: ${spawnError.message}`);
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
        if (Date.now() > deadline) throw new Error('prometheus was not ready after 60 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const pid = child.pid ?? -1;
      return { url, port, pid, stop: () => stopProcess(child) };
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      await stopProcess(child);
    }
  }
  throw new Error(`could not start prometheus: ${lastError}`);
}

export interface BackfilledPrometheus extends RunningPrometheus {
  readonly dataset: ClusterDataset;
  readonly samples: number;
}

/**
 * A Prometheus over fresh storage, first backfilled with `history` (series that end before the first scrape),
 * scraping `scrape.targets` when given; stop() also deletes its storage.
 */
export async function startScrapingPrometheus(
  scrape: ScrapeOptions | undefined,
  history: readonly SampleSeries[] = [],
): Promise<RunningPrometheus & { samples: number }> {
  const workDir = await mkdtemp(join(tmpdir(), 'ce-prom-'));
  try {
    const dataDir = join(workDir, 'data');
    const { samples } =
      history.length > 0 ? await backfill({ series: history }, dataDir, workDir) : { samples: 0 };
    const prom = await startPrometheus(dataDir, workDir, scrape);
    return {
      ...prom,
      samples,
      stop: async () => {
        await prom.stop();
        await rm(workDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
}

/** The synthetic-history fixture: backfill the dataset, start Prometheus, clean every temporary file on stop(). */
export async function startBackfilledPrometheus(dataset: ClusterDataset): Promise<BackfilledPrometheus> {
  return { ...(await startScrapingPrometheus(undefined, dataset.series)), dataset };
}
