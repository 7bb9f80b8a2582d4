/**
 * The node flags the engine's image runs with: read from the Dockerfile's ENTRYPOINT (`["node", ...flags,
 * "<main.js>"]`), so `npm run bench:engine` measures the engine as it ships, and one file says what they are.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The flags between `node` and the script in an exec-form ENTRYPOINT; throws when there is none. */
export function entrypointNodeFlags(dockerfile: string): string[] {
  const line = dockerfile.split('\n').find((l) => /^ENTRYPOINT\s*\[/.test(l));
  if (!line) throw new Error('the Dockerfile has no exec-form ENTRYPOINT');
  const words: unknown = JSON.parse(line.replace(/^ENTRYPOINT\s*/, ''));
  if (!Array.isArray(words) || words[0] !== 'node' || !words.every((w) => typeof w === 'string')) {
    throw new Error(`the ENTRYPOINT does not start with "node": ${line}`);
  }
  const script = words.findIndex((w: string, i) => i > 0 && !w.startsWith('-'));
  if (script < 0) throw new Error(`the ENTRYPOINT names no script: ${line}`);
  return words.slice(1, script) as string[];
}

export function imageNodeFlags(root: string): string[] {
  return entrypointNodeFlags(readFileSync(join(root, 'Dockerfile'), 'utf8'));
}
