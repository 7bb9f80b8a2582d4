import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SampleSeries } from '../../src/demo/cluster-metrics.js';
import { backfill, findExecutable, freePort, PROMETHEUS_BIN } from '../../src/demo/prometheus-launcher.js';
import { waitFor } from '../support/wait-for.js';

/**
 * A real alerting pipeline for tests: Prometheus scraping the simulator's exporter and evaluating an alerting
 * rule every second, and Debian's Alertmanager routing what fires to a webhook with a bearer token read from a
 * file (`http_config.authorization.credentials_file`), with no grouping delay. Both run on free loopback ports
 * with throwaway storage; stop() ends exactly the processes started here.
 */
export const ALERTMANAGER_BIN =
  findExecutable('prometheus-alertmanager', 'ALERTMANAGER_BIN') ?? '/usr/bin/prometheus-alertmanager';

export function alertmanagerAvailable(): boolean {
  return findExecutable('prometheus-alertmanager', 'ALERTMANAGER_BIN') !== undefined;
}

export interface AlertRule {
  alert: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertingStack {
  prometheusUrl: string;
  alertmanagerUrl: string;
  stop(): Promise<void>;
}

function started(bin: string, args: string[]): { child: ChildProcess; stderr: () => string } {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-4000);
  });
  return { child, stderr: () => text };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function ready(name: string, url: string, proc: ReturnType<typeof started>): Promise<void> {
  await waitFor(
    `${name} to be ready`,
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`${name} exited: ${proc.stderr()}`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

export async function startAlertingStack(options: {
  /** host:port of the simulator's exporter. */
  scrapeTarget: string;
  rules: readonly AlertRule[];
  webhookUrl: string;
  tokenFile: string;
  /** A port picked beforehand (freePort), when the URL must be known before Prometheus starts. */
  prometheusPort?: number;
  /** Series backfilled before Prometheus starts (simulator.history()), so 5-minute windows are complete. */
  history?: readonly SampleSeries[];
}): Promise<AlertingStack> {
  const dir = await mkdtemp(join(tmpdir(), 'ce-alerting-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const amPort = await freePort();
    await writeFile(
      join(dir, 'alertmanager.yml'),
      stringify({
        route: {
          receiver: 'engine',
          group_by: ['alertname', 'namespace', 'pod'],
          group_wait: '0s',
          group_interval: '1s',
          repeat_interval: '1h',
        },
        receivers: [
          {
            name: 'engine',
            webhook_configs: [
              {
                url: options.webhookUrl,
                send_resolved: true,
                http_config: { authorization: { credentials_file: options.tokenFile } },
              },
            ],
          },
        ],
      }),
    );
    const am = started(ALERTMANAGER_BIN, [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      // No gossip: one Alertmanager, and no port 9094 taken on a shared machine.
      '--cluster.listen-address=',
      '--log.level=warn',
    ]);
    children.push(am.child);
    const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
    await ready('alertmanager', alertmanagerUrl, am);

    await writeFile(
      join(dir, 'rules.yml'),
      stringify({
        groups: [{ name: 'e2e', interval: '1s', rules: options.rules.map((r) => ({ ...r, for: '0s' })) }],
      }),
    );
    await writeFile(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'rules.yml')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [
          {
            job_name: 'sandbox-cluster',
            honor_labels: true,
            static_configs: [{ targets: [options.scrapeTarget] }],
          },
        ],
      }),
    );
    if (options.history && options.history.length > 0)
      await backfill({ series: options.history }, join(dir, 'prom-data'), dir);
    const promPort = options.prometheusPort ?? (await freePort());
    const prom = started(PROMETHEUS_BIN, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prom-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ]);
    children.push(prom.child);
    const prometheusUrl = `http://127.0.0.1:${promPort}`;
    await ready('prometheus', prometheusUrl, prom);
    return { prometheusUrl, alertmanagerUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
