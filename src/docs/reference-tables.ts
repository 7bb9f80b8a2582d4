import type { Command } from 'commander';
import type { Setting } from '../config/settings.js';

/**
 * The generated parts of docs/configuration.md and docs/metrics.md, rendered from the code that defines them (the
 * settings table, the CLI's commands, the engine's metric registry), so the reference cannot drift: their tests
 * compare the documents with these renderings, and `npm run docs:generate` rewrites them.
 */

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => `\`${text}\``;

/** One row per engine setting: flag, variable, default, meaning. */
export function settingsTable(settings: readonly Setting<unknown>[]): string {
  const rows = settings.map((s) => {
    const flag = s.boolean ? `${s.flag} [bool]` : `${s.flag} <value>`;
    const fallback = s.defaultText === undefined ? 'unset' : code(s.defaultText);
    return `| ${code(flag)} | ${code(s.env)} | ${cell(fallback)} | ${cell(s.help)} |`;
  });
  return ['| flag | variable | default | what it sets |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function defaultOf(value: unknown): string {
  if (value === undefined) return 'unset';
  if (value === false) return '`false`';
  return code(Array.isArray(value) ? value.join(',') : String(value));
}

/**
 * The options of every command other than `run` (whose flags are the settings), from the CLI definition itself:
 * a heading per command and a table of its options with their defaults.
 */
export function commandOptionsTables(program: Command, skip: readonly string[] = ['run']): string {
  const sections: string[] = [];
  const visit = (command: Command) => {
    for (const sub of command.commands) {
      if (skip.includes(sub.name())) continue;
      const options = sub.options.filter((o) => !o.hidden);
      if (options.length > 0) {
        sections.push(
          [
            `### \`${commandPath(sub)}\``,
            '',
            cell(sub.description()),
            '',
            '| option | default | what it does |',
            '| --- | --- | --- |',
            ...options.map((o) => {
              // A parsed default (milliseconds) is shown as the option documents it (30s), when it says.
              const fallback = o.defaultValueDescription
                ? code(o.defaultValueDescription)
                : defaultOf(o.defaultValue);
              const choices = o.argChoices ? ` (one of ${o.argChoices.join(', ')})` : '';
              return `| ${code(o.flags)} | ${fallback} | ${cell(o.description + choices)} |`;
            }),
          ].join('\n'),
        );
      }
      visit(sub);
    }
  };
  visit(program);
  return sections.join('\n\n');
}

export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  labels: readonly string[];
  /** Registered only when the ML service is configured (ML_SERVICE_URL). */
  withMl: boolean;
}

const PROCESS_METRIC = /^coordination_engine_(process_|nodejs_)/;

function metricRows(families: readonly MetricFamily[]): string[] {
  return [...families]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((f) => {
      const labels = f.labels.length > 0 ? f.labels.map(code).join(', ') : '';
      const help = f.withMl ? `${f.help} (with \`ML_SERVICE_URL\` only)` : f.help;
      return `| ${code(f.name)} | ${f.type} | ${labels} | ${cell(help)} |`;
    });
}

/** The engine's own metrics, then prom-client's process and Node.js metrics, each sorted by name. */
export function metricsTables(families: readonly MetricFamily[]): string {
  const header = ['| metric | type | labels | meaning |', '| --- | --- | --- | --- |'];
  const own = families.filter((f) => !PROCESS_METRIC.test(f.name));
  const runtime = families.filter((f) => PROCESS_METRIC.test(f.name));
  return [
    '### The engine',
    '',
    ...header,
    ...metricRows(own),
    '',
    "### The process and the Node.js runtime (prom-client's defaults; the engine measures some itself: see below)",
    '',
    ...header,
    ...metricRows(runtime),
  ].join('\n');
}

/** The text between `<!-- generated:NAME:begin -->` and `<!-- generated:NAME:end -->`, trimmed. */
export function generatedSection(document: string, name: string): string | undefined {
  const begin = `<!-- generated:${name}:begin -->`;
  const end = `<!-- generated:${name}:end -->`;
  const from = document.indexOf(begin);
  const to = document.indexOf(end);
  if (from < 0 || to < from) return undefined;
  return document.slice(from + begin.length, to).trim();
}

/** The document with that section replaced by `content`; throws if the markers are missing. */
export function replaceGeneratedSection(document: string, name: string, content: string): string {
  const begin = `<!-- generated:${name}:begin -->`;
  const end = `<!-- generated:${name}:end -->`;
  const from = document.indexOf(begin);
  const to = document.indexOf(end);
  if (from < 0 || to < from) throw new Error(`no ${begin} … ${end} section`);
  return `${document.slice(0, from + begin.length)}\n\n${content}\n\n${document.slice(to)}`;
}
