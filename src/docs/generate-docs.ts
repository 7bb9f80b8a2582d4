/**
 * `npm run docs:generate`: rewrites the generated sections of docs/configuration.md (the settings and the other
 * commands' options) and docs/metrics.md (every metric family of a running engine). Their tests fail until this has
 * been run after a setting, an option or a metric changes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { buildProgram } from '../cli/program.js';
import { SETTINGS } from '../config/settings.js';
import { engineMetricFamilies } from './engine-metric-families.js';
import {
  commandOptionsTables,
  metricsTables,
  replaceGeneratedSection,
  settingsTable,
} from './reference-tables.js';

async function rewrite(file: URL, sections: Record<string, string>): Promise<void> {
  let text = await readFile(file, 'utf8');
  for (const [name, content] of Object.entries(sections)) text = replaceGeneratedSection(text, name, content);
  await writeFile(file, text);
  process.stdout.write(`wrote ${file.pathname}\n`);
}

const docs = new URL('../../docs/', import.meta.url);
await rewrite(new URL('configuration.md', docs), {
  settings: settingsTable(SETTINGS),
  commands: commandOptionsTables(buildProgram()),
});
await rewrite(new URL('metrics.md', docs), { metrics: metricsTables(await engineMetricFamilies()) });
