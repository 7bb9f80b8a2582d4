import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { waitFor } from './wait-for.js';

export interface RunningProcess {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Starts one of the project's commands the way a user does, through the TypeScript entry point. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningProcess {
  return startNode(['--import', 'tsx', 'src/cli/main.ts', ...args], { ...process.env, ...env });
}

/** `node <argv>` with exactly `env` (nothing inherited), its stdout and stderr collected together. */
export function startNode(argv: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(process.execPath, argv, { env, stdio: 'pipe' });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return {
    child,
    output: () => text,
    exited,
    waitForOutput: (pattern, timeoutMs = 30_000) =>
      waitFor(`output matching ${pattern}`, () => text.match(pattern) ?? undefined, { timeoutMs }),
  };
}
