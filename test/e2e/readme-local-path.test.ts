import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, prometheusAvailable } from '../../src/demo/prometheus-launcher.js';
import {
  isBackground,
  markedShellBlocks,
  portsIn,
  shellCommands,
  substitutePorts,
} from '../support/readme-commands.js';
import { waitFor } from '../support/wait-for.js';

/**
 * "Every command in the README's local path works on a clean clone, as written." The README marks its local
 * path's shell blocks with `<!-- local-path -->`; this test types their commands, one at a time and in order, into
 * one bash, as a user pasting them into a terminal would, and requires each to exit 0. It fails when a command
 * breaks, when a marked block disappears, and when the final `kubectl get` does not show the walkthrough's policies
 * with their targets and the healed Deployment's record.
 *
 * What differs from a user's terminal, and why:
 * - The clone: the checkout's files (tracked and untracked, not ignored: `git ls-files -co --exclude-standard`)
 *   copied to a temporary directory, with `node_modules` linked to this checkout's instead of a second `npm ci`
 *   (`.ci/run` runs `npm ci` on a fresh machine anyway).
 * - Ports: every port the commands name (8001, 9101, ...) is replaced by a free one, in the commands and in the
 *   files they pass (examples/local/prometheus.yml), so the test never collides with anything listening on this
 *   machine. Nothing else is rewritten.
 * - The shell: `bash --norc` with job control on (`set -m`, as in an interactive shell, so `kill %1` stops a whole
 *   job), a fresh HOME and no KUBECONFIG inherited. Each command's standard input is /dev/null (a terminal's would
 *   be the terminal; none of them reads it). Each background job is killed by process group if the test fails
 *   before the README's own `kill`.
 */
const repoRoot = join(dirname(new URL(import.meta.url).pathname), '../..');
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const commands = markedShellBlocks(readme).flatMap(shellCommands);
/** Files a command of the path passes to a server, whose ports are substituted like the commands'. */
const PORT_FILES = ['examples/local/prometheus.yml'];
const FOREGROUND_TIMEOUT_MS = 360_000;

interface Step {
  command: string;
  rc: number;
  output: string;
}

class Terminal {
  private text = '';
  private exit: string | undefined;
  private readonly shell: ChildProcessWithoutNullStreams;
  readonly jobs: number[] = [];
  private readonly jobCommands = new Map<number, string>();

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.shell = spawn('bash', ['--norc', '--noprofile'], { cwd, env, stdio: 'pipe' });
    this.shell.stdout.on('data', (chunk: Buffer) => {
      this.text += chunk.toString();
    });
    this.shell.stderr.on('data', (chunk: Buffer) => {
      this.text += chunk.toString();
    });
    this.shell.on('exit', (code, signal) => {
      this.exit = signal ? `signal ${signal}` : `code ${code}`;
    });
    this.shell.stdin.write('set -m\n');
  }

  /** Types one command and waits for it to finish (a background one returns at once), with its exit code. */
  async run(command: string, index: number): Promise<Step> {
    const start = this.text.length;
    const marker = `__readme_step_${index}`;
    // Typed as written, inside `{ …; } </dev/null`: the commands read nothing, and a child given the shell's own
    // input pipe may make it non-blocking (kubectl does), which kills bash with EAGAIN on its next read.
    this.shell.stdin.write(`{ ${command}\n} </dev/null\nprintf '\\n${marker} rc=%s job=%s\\n' "$?" "$!"\n`);
    const pattern = new RegExp(`${marker} rc=(\\d+) job=(\\d*)\\n`);
    const timeoutMs = isBackground(command) ? 10_000 : FOREGROUND_TIMEOUT_MS;
    const match = await waitFor(
      `README command ${index + 1} to finish: ${command}`,
      () => {
        const done = this.text.slice(start).match(pattern);
        if (done) return done;
        // A shell that died never prints the marker: say so now rather than at the deadline.
        if (this.exit) throw new Error(`bash exited (${this.exit}) during: ${command}\n${this.text}`);
        // Nor does a wait on a server that exited (a bad flag, a port in use): fail now, naming it.
        const dead = command.startsWith('kill ') ? undefined : this.jobs.find((job) => !alive(job));
        if (dead !== undefined) {
          throw new Error(`a background command exited early: ${this.jobCommands.get(dead)}\n${this.text}`);
        }
        return undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
    const job = Number(match[2]);
    if (isBackground(command) && job > 0) {
      this.jobs.push(job);
      this.jobCommands.set(job, command);
    }
    const output = this.text.slice(start, start + (match.index ?? 0));
    return { command, rc: Number(match[1]), output };
  }

  /** Kills what is left: every background job's process group, then the shell. */
  close(): void {
    for (const job of this.jobs) {
      try {
        process.kill(-job, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.shell.kill('SIGKILL');
  }
}

function cloneCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ce-readme-'));
  const clone = join(dir, 'coordination-engine');
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repoRoot })
    .toString()
    .split('\0')
    .filter((f) => f !== '' && !f.startsWith('node_modules/'));
  for (const file of files) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    // A file deleted in the working tree but still tracked is not part of the clone being tested.
    try {
      copyFileSync(join(repoRoot, file), join(clone, file));
    } catch {}
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(clone, 'node_modules'));
  mkdirSync(join(dir, 'home'));
  return clone;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The rows of a `kubectl get` table, as maps from column title to cell. */
function tableRows(output: string): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  let columns: { title: string; start: number }[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith('NAMESPACE ')) {
      columns = [...line.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ title: m[0], start: m.index ?? 0 }));
      continue;
    }
    if (columns.length === 0 || line.trim() === '') continue;
    const row: Record<string, string> = {};
    columns.forEach((c, i) => {
      row[c.title] = line.slice(c.start, columns[i + 1]?.start ?? line.length).trim();
    });
    rows.push(row);
  }
  return rows;
}

describe('the README', () => {
  it('marks a local path that starts everything it uses and ends by looking and stopping', () => {
    const joined = commands.join('\n');
    expect(commands.length).toBeGreaterThan(10);
    for (const needed of [
      /^npm run sandbox -- .*--simulate .*--exporter-port \d+.*&$/m,
      /^kubectl create namespace \S+$/m,
      /^prometheus --config\.file=examples\/local\/prometheus\.yml .*&$/m,
      /^npm run mock-ml -- --port \d+.*&$/m,
      /^npm run engine -- run .*--prometheus-url .*--ml-service-url .*&$/m,
      /^kubectl get rp,remediations -A$/m,
      /^kill %1 %2 %3 %4$/m,
    ]) {
      expect(joined).toMatch(needed);
    }
  });
});

describe.skipIf(!prometheusAvailable())('the README local path, on a clean clone, as written', () => {
  let terminal: Terminal | undefined;
  let clone: string | undefined;
  afterAll(() => {
    terminal?.close();
    if (clone) rmSync(dirname(clone), { recursive: true, force: true });
  });

  it('every command exits 0, the policies show their targets, the crash loop is healed, and kill stops it all', async () => {
    const dir = cloneCheckout();
    clone = dir;
    const ports = new Map<number, number>();
    for (const port of portsIn(commands.join('\n'))) ports.set(port, await freePort());
    for (const file of PORT_FILES) {
      const path = join(dir, file);
      writeFileSync(path, substitutePorts(readFileSync(path, 'utf8'), ports));
    }
    const shell = new Terminal(dir, {
      PATH: process.env.PATH,
      HOME: join(dirname(dir), 'home'),
      LANG: 'C.UTF-8',
    });
    terminal = shell;
    const steps: Step[] = [];
    for (const [i, written] of commands.entries()) {
      const command = substitutePorts(written, ports);
      const step = await shell.run(command, i).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n${readLogs(dir)}`);
      });
      steps.push(step);
      const logs = step.rc === 0 ? '' : readLogs(dir);
      expect(step.rc, `README command ${i + 1} failed: ${command}\n${step.output}\n${logs}`).toBe(0);
      // Before the README's own `kill`, every job it started must still be running.
      if (!command.startsWith('kill ')) {
        const dead = shell.jobs.filter((job) => !alive(job));
        expect(dead, `a background command exited early\n${readLogs(dir)}`).toEqual([]);
      }
    }

    // Every background command became a job the checks above watched (and the README's kill stopped).
    expect(shell.jobs).toHaveLength(commands.filter(isBackground).length);
    // README_TRANSCRIPT=<file> keeps what each command printed, e.g. to refresh the README's sample output.
    if (process.env.README_TRANSCRIPT) {
      const transcript = steps.map((s) => `$ ${s.command}\n${s.output.trim()}\n`).join('\n');
      writeFileSync(process.env.README_TRANSCRIPT, transcript);
    }
    const get = steps.find((s) => s.command === 'kubectl get rp,remediations -A');
    expect(get, 'the path ends with kubectl get rp,remediations -A').toBeDefined();
    const rows = tableRows(get?.output ?? '');
    const row = (name: string) => rows.find((r) => r.NAME?.endsWith(`/${name}`));
    const healer = row('heal-crashloop');
    expect(healer, get?.output).toMatchObject({
      NAMESPACE: 'shop',
      TARGETS: '1',
      'LAST ACTION': 'RolloutRestart',
    });
    expect(row('observe'), get?.output).toMatchObject({ NAMESPACE: 'default', TARGETS: '1' });
    const record = rows.find((r) => r.TARGET === 'checkout');
    expect(record, get?.output).toMatchObject({ NAMESPACE: 'shop', STEP: 'roll', PHASE: 'Succeeded' });

    // The README's `kill %1 %2 %3 %4` stopped every process it started: nothing listens any more.
    await waitFor('every job of the local path to have exited', () =>
      shell.jobs.every((job) => !alive(job)) ? true : undefined,
    );
    for (const port of ports.values()) expect(await portOpen(port), `port ${port} still open`).toBe(false);
  }, 600_000);
});

function readLogs(clone: string): string {
  return ['sandbox.log', 'prometheus.log', 'mock-ml.log', 'engine.log']
    .map((file) => {
      try {
        return `--- ${file} (last lines)\n${readFileSync(join(clone, file), 'utf8').split('\n').slice(-15).join('\n')}`;
      } catch {
        return `--- ${file}: none`;
      }
    })
    .join('\n');
}
