/**
 * Prometheus text exposition (format 0.0.4), the body an exporter's /metrics returns, read into samples. Only what
 * a scrape needs: `# HELP` / `# TYPE` and other comments are skipped, every other line must be
 * `name{label="value",...} value [timestamp]`. A line that does not parse fails the whole scrape, naming the line,
 * as Prometheus fails a scrape: half a scrape would silently lose series.
 */

export interface ScrapedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export class ExpositionError extends Error {
  override readonly name = 'ExpositionError';
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
  }
  // Prometheus reads these case-insensitively (Go's ParseFloat), and prom-client writes a NaN gauge as "Nan".
  if (text.toLowerCase() === 'nan') return Number.NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`"${text}" is not a sample value`);
  return value;
}

/** The label set between `{` and `}` starting at `at`; returns the labels and the index after `}`. */
function parseLabels(line: string, at: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const name = LABEL_NAME.exec(line.slice(i))?.[0];
    if (!name) throw new Error(`a label name was expected at column ${i + 1}`);
    i += name.length;
    if (line[i] !== '=' || line[i + 1] !== '"') throw new Error(`label ${name} has no quoted value`);
    i += 2;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error(`the value of label ${name} is not closed`);
      if (c === '"') break;
      if (c === '\\') {
        const next = line[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    if (name in labels) throw new Error(`label ${name} appears twice`);
    labels[name] = value;
    i++;
  }
}

function parseLine(line: string): ScrapedSample {
  const name = METRIC_NAME.exec(line)?.[0];
  if (!name) throw new Error('a metric name was expected');
  let labels: Record<string, string> = {};
  let rest = line.slice(name.length);
  if (rest.startsWith('{')) {
    const parsed = parseLabels(line, name.length);
    labels = parsed.labels;
    rest = line.slice(parsed.end);
  }
  const fields = rest.trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === '')
    throw new Error('expected a value and an optional timestamp after the series');
  return { name, labels, value: parseValue(fields[0] ?? '') };
}

/** Every sample of the body, in order. Throws ExpositionError naming the first line that does not parse. */
export function parseExposition(body: string): ScrapedSample[] {
  const samples: ScrapedSample[] = [];
  const lines = body.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      samples.push(parseLine(line));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ExpositionError(`line ${index + 1} ("${line.slice(0, 120)}"): ${why}`);
    }
  }
  return samples;
}
