/**
 * The node flags the engine's image runs with: read from the Dockerfile's ENTRYPOINT (`["node", ...flags,
 * "<main.js>"]`), so `npm run bench:engine` measures the engine as it ships, and one file says what they are.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The words between `node` and the script (the last word) of the final stage's exec-form ENTRYPOINT, on one line;
 * throws when there is none, rather than benchmarking without them.
 */
export function entrypointNodeFlags(dockerfile: string): string[] {
  const line = dockerfile
    .split('\n')
    .filter((l) => /^ENTRYPOINT\s/.test(l))
    .at(-1);
  if (!line) throw new Error('the Dockerfile has no ENTRYPOINT');
  let words: unknown;
  try {
    words = JSON.parse(line.replace(/^ENTRYPOINT\s*/, ''));
  } catch {
    throw new Error(`the ENTRYPOINT is not a JSON array on one line (exec form): ${line}`);
  }
  if (!Array.isArray(words) || words[0] !== 'node' || !words.every((w) => typeof w === 'string')) {
    throw new Error(`the ENTRYPOINT does not start with "node": ${line}`);
  }
  if (words.length < 2 || String(words.at(-1)).startsWith('-')) {
    throw new Error(`the ENTRYPOINT names no script: ${line}`);
  }
  return words.slice(1, -1) as string[];
}

export function imageNodeFlags(root: string): string[] {
  return entrypointNodeFlags(readFileSync(join(root, 'Dockerfile'), 'utf8'));
}
