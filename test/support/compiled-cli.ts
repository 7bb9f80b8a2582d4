import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The CLI compiled as `npm run build` compiles it (tsconfig.build.json), into a private directory under .tmp/
 * (inside the repository, so node_modules resolves), because the installed package runs dist/src/cli/main.js,
 * not the TypeScript sources. Returns the entry point and a cleanup.
 */
export async function compileCli(): Promise<{ main: string; cleanup(): void }> {
  const outDir = join(ROOT, '.tmp', `cli-build-${process.pid}-${Date.now()}`);
  mkdirSync(outDir, { recursive: true });
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  await execFileAsync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--sourceMap', 'false'],
    { cwd: ROOT },
  );
  return {
    main: join(outDir, 'src/cli/main.js'),
    cleanup: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
