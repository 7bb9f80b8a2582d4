import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { SETTINGS } from '../../src/config/settings.js';
import { commandOptionsTables, generatedSection, settingsTable } from '../../src/docs/reference-tables.js';

/**
 * docs/configuration.md lists exactly the settings the engine has, with their defaults, and the other commands'
 * options: its generated sections must equal what the code renders now (`npm run docs:generate` rewrites them).
 */
const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
const mlServiceDoc = readFileSync(new URL('../../docs/ml-service.md', import.meta.url), 'utf8');
const mlConfigSource = readFileSync(new URL('../../src/ml/ml-config.ts', import.meta.url), 'utf8');

/** The rows of a markdown table as arrays of cells (backticks kept). */
function rows(table: string): string[][] {
  return table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
    .slice(1)
    .map((line) =>
      line
        .slice(2, -2)
        .split(/(?<!\\) \| /)
        .map((c) => c.trim()),
    );
}

describe('docs/configuration.md', () => {
  const settings = generatedSection(doc, 'settings');

  it('has one row per setting, naming its flag, variable and default, and nothing else', () => {
    expect(settings, 'the generated settings section is missing').toBeDefined();
    const table = rows(settings ?? '');
    expect(table.map((r) => r[1])).toEqual(SETTINGS.map((s) => `\`${s.env}\``));
    for (const [i, setting] of SETTINGS.entries()) {
      const [flag, , fallback] = table[i] ?? [];
      expect(flag).toMatch(new RegExp(`^\`${setting.flag} `));
      expect(fallback).toBe(setting.defaultText === undefined ? 'unset' : `\`${setting.defaultText}\``);
    }
  });

  it('is exactly what the code renders now (run `npm run docs:generate` after changing a setting)', () => {
    expect(settings).toBe(settingsTable(SETTINGS));
    expect(generatedSection(doc, 'commands')).toBe(commandOptionsTables(buildProgram()));
  });

  it("documents the run command's flags, which are exactly the settings", () => {
    const run = buildProgram().commands.find((c) => c.name() === 'run');
    const flags = (run?.options ?? []).map((o) => o.long);
    expect(flags).toEqual(SETTINGS.map((s) => s.flag));
  });

  it('points to a table that lists every ML tuning variable the engine reads', () => {
    const read = [...mlConfigSource.matchAll(/read\(\s*'(ML_[A-Z_]+)'/g)].map((m) => m[1] ?? '');
    expect(read.length).toBeGreaterThan(15);
    const missing = read.filter((name) => !mlServiceDoc.includes(`\`${name}\``));
    expect(missing, 'variables missing from docs/ml-service.md#configuration').toEqual([]);
    expect(doc).toContain('ml-service.md#configuration');
  });
});
