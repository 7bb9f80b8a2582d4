import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entrypointNodeFlags, imageNodeFlags } from '../bench/image-node-flags.js';

const ROOT = resolve(import.meta.dirname, '..');

describe('the node flags of the image (what bench:engine runs the engine with)', () => {
  it('are the words between node and the script of an exec-form ENTRYPOINT', () => {
    const dockerfile = 'FROM x\nENTRYPOINT ["node", "--a", "--b=16", "/app/main.js"]\nCMD ["run"]\n';
    expect(entrypointNodeFlags(dockerfile)).toEqual(['--a', '--b=16']);
    expect(entrypointNodeFlags('ENTRYPOINT ["node", "/app/main.js"]')).toEqual([]);
    // A flag's value may be a word of its own; the script is the last word.
    expect(entrypointNodeFlags('ENTRYPOINT ["node", "--stack-size", "4000", "main.js"]')).toEqual([
      '--stack-size',
      '4000',
    ]);
    // The final stage's ENTRYPOINT is the one the image runs.
    const stages =
      'FROM a\nENTRYPOINT ["node", "--old", "b.js"]\nFROM c\nENTRYPOINT ["node", "--new", "d.js"]';
    expect(entrypointNodeFlags(stages)).toEqual(['--new']);
  });

  it('refuses a Dockerfile it cannot read them from, rather than benchmarking without them', () => {
    expect(() => entrypointNodeFlags('FROM x\nCMD ["node"]')).toThrow(/no ENTRYPOINT/);
    expect(() => entrypointNodeFlags('ENTRYPOINT node main.js')).toThrow(/not a JSON array/);
    expect(() => entrypointNodeFlags('ENTRYPOINT ["node", \\')).toThrow(/not a JSON array/);
    expect(() => entrypointNodeFlags('ENTRYPOINT ["tini", "node", "main.js"]')).toThrow(/does not start/);
    expect(() => entrypointNodeFlags('ENTRYPOINT ["node", "--a"]')).toThrow(/names no script/);
  });

  it("are accepted by this node, and start the young generation at 16 MB (the heap's default is 1 MB)", () => {
    const flags = imageNodeFlags(ROOT);
    // docs/scaling.md, "Heap flags": what each is for, and what it was measured to save.
    expect(flags).toEqual(
      expect.arrayContaining([
        '--no-memory-reducer',
        '--min-semi-space-size=16',
        '--heap-growing-percent=50',
        '--single-threaded-gc',
      ]),
    );
    const newSpace = (args: string[]) =>
      Number(
        execFileSync(process.execPath, [
          ...args,
          '-e',
          "process.stdout.write(String(require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size))",
        ]),
      );
    expect(newSpace(flags)).toBeGreaterThanOrEqual(16 * 2 ** 20);
    expect(newSpace([])).toBeLessThan(16 * 2 ** 20);
  });
});
