/**
 * The JSONPath dialect of client-go's util/jsonpath, as far as CRD additionalPrinterColumns and kubectl
 * `-o jsonpath` paths use it: fields, `..` recursive descent, `[n]`, `[a:b:s]`, `[*]`, unions, quoted keys and
 * `[?(@.x == "y")]` filters. Missing keys yield nothing (the apiserver's printer allows missing keys).
 * Also the apiserver's printer-column cell conversion and kubectl's HumanDuration for ages.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';

export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

type Literal = { kind: 'literal'; value: JsonValue } | { kind: 'path'; steps: Step[] };
type Filter = { left: Literal; op?: '==' | '!=' | '<' | '<=' | '>' | '>='; right?: Literal };
export type JsonPathStep = Step;
type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; indices: number[] }
  | { kind: 'keys'; names: string[] }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'filter'; filter: Filter };

export function evaluateJsonPath(obj: JsonValue, expression: string): JsonValue[] {
  return run(parseJsonPath(expression), [obj]);
}

/** Parses once so callers evaluating a column for many rows can reuse the result with `runJsonPath`. */
export function parseJsonPath(expression: string): Step[] {
  let text = expression.trim();
  if (text.startsWith('{')) {
    if (!text.endsWith('}')) throw new JsonPathError(`unclosed action in ${JSON.stringify(expression)}`);
    text = text.slice(1, -1).trim();
  } else if (text.endsWith('}')) {
    throw new JsonPathError(`unexpected '}' in ${JSON.stringify(expression)}`);
  }
  if (text.startsWith('$')) text = text.slice(1);
  if (text === '') throw new JsonPathError(`empty JSONPath expression ${JSON.stringify(expression)}`);
  if (!text.startsWith('.') && !text.startsWith('[')) {
    throw new JsonPathError(`JSONPath ${JSON.stringify(expression)} must start with '.' or '['`);
  }
  return new Parser(text, expression).steps();
}

export function runJsonPath(steps: Step[], obj: JsonValue): JsonValue[] {
  return run(steps, [obj]);
}

class Parser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly original: string,
  ) {}

  private fail(what: string): never {
    throw new JsonPathError(`${what} at position ${this.pos} in ${JSON.stringify(this.original)}`);
  }

  steps(stopAt?: (c: string) => boolean): Step[] {
    const out: Step[] = [];
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] ?? '';
      if (stopAt?.(c)) break;
      if (c === '.') {
        this.pos++;
        if (this.text[this.pos] === '.') {
          this.pos++;
          out.push({ kind: 'recursive' });
        }
        if (this.text[this.pos] === '*') {
          this.pos++;
          out.push({ kind: 'wildcard' });
          continue;
        }
        const name = this.identifier();
        if (name === '') {
          if (this.pos >= this.text.length && out.length === 0) continue; // a lone "." is the root
          if (this.text[this.pos] === '[') continue;
          this.fail('expected a field name');
        }
        out.push({ kind: 'field', name });
      } else if (c === '[') {
        out.push(this.bracket());
      } else {
        this.fail(`unexpected character ${JSON.stringify(c)}`);
      }
    }
    return out;
  }

  /** A field name; `\.` escapes a dot, as in `.metadata.annotations.example\.com/key`. */
  private identifier(): string {
    let name = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] ?? '';
      if (c === '\\' && this.pos + 1 < this.text.length) {
        name += this.text[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (/[.[\]()=!<>\s,]/.test(c)) break;
      name += c;
      this.pos++;
    }
    return name;
  }

  private bracket(): Step {
    const close = this.matchingBracket();
    const inner = this.text.slice(this.pos + 1, close).trim();
    const at = this.pos;
    this.pos = close + 1;
    if (inner === '*') return { kind: 'wildcard' };
    if (inner.startsWith('?')) return { kind: 'filter', filter: this.filter(inner, at) };
    if (inner.startsWith("'") || inner.startsWith('"')) {
      return { kind: 'keys', names: splitUnion(inner).map((p) => unquote(p, this.original)) };
    }
    if (inner.includes(':')) {
      const parts = inner.split(':');
      if (parts.length > 3) this.failAt(at, `invalid slice [${inner}]`);
      const num = (s: string | undefined) => {
        if (s === undefined || s.trim() === '') return undefined;
        if (!/^-?\d+$/.test(s.trim())) this.failAt(at, `invalid array index ${JSON.stringify(s.trim())}`);
        return Number(s);
      };
      return { kind: 'slice', start: num(parts[0]), end: num(parts[1]), step: num(parts[2]) };
    }
    const parts = splitUnion(inner);
    if (parts.length === 0 || parts.some((p) => !/^-?\d+$/.test(p))) {
      this.failAt(at, `invalid array index ${JSON.stringify(inner)}`);
    }
    return { kind: 'index', indices: parts.map(Number) };
  }

  private failAt(at: number, what: string): never {
    this.pos = at;
    this.fail(what);
  }

  private matchingBracket(): number {
    let depth = 0;
    let quote: string | undefined;
    for (let i = this.pos; i < this.text.length; i++) {
      const c = this.text[i];
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '[') depth++;
      else if (c === ']' && --depth === 0) return i;
    }
    return this.fail('unclosed bracket');
  }

  private filter(inner: string, at: number): Filter {
    const body = inner.slice(1).trim();
    if (!body.startsWith('(') || !body.endsWith(')')) this.failAt(at, 'filter must look like [?(...)]');
    const expr = body.slice(1, -1).trim();
    const m = /^(.*?)\s*(==|!=|<=|>=|<|>)\s*(.*)$/.exec(expr);
    if (!m) return { left: this.operand(expr, at) };
    const op = m[2] as Filter['op'];
    return { left: this.operand(m[1] ?? '', at), op, right: this.operand(m[3] ?? '', at) };
  }

  private operand(text: string, at: number): Literal {
    const t = text.trim();
    if (t.startsWith('@')) {
      const rest = t.slice(1);
      if (rest === '') return { kind: 'path', steps: [] };
      return { kind: 'path', steps: new Parser(rest, this.original).steps() };
    }
    if (t.startsWith('"') || t.startsWith("'")) return { kind: 'literal', value: unquote(t, this.original) };
    if (/^-?\d+(\.\d+)?$/.test(t)) return { kind: 'literal', value: Number(t) };
    if (t === 'true' || t === 'false') return { kind: 'literal', value: t === 'true' };
    if (t === 'nil' || t === 'null') return { kind: 'literal', value: null };
    return this.failAt(at, `unrecognized filter operand ${JSON.stringify(t)}`);
  }
}

function splitUnion(inner: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] ?? '';
    if (quote) {
      current += c;
      if (c === '\\') current += inner[++i] ?? '';
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === ',') {
      parts.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim() !== '' || parts.length > 0) parts.push(current.trim());
  return parts;
}

function unquote(text: string, original: string): string {
  const q = text[0];
  if (text.length < 2 || text.at(-1) !== q) {
    throw new JsonPathError(`unterminated quoted string ${text} in ${JSON.stringify(original)}`);
  }
  return text.slice(1, -1).replace(/\\(.)/g, '$1');
}

function run(steps: Step[], start: JsonValue[]): JsonValue[] {
  let current = start;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Step;
    if (step.kind === 'recursive') {
      current = current.flatMap(descendants);
      continue;
    }
    current = current.flatMap((v) => apply(step, v));
  }
  return current;
}

function descendants(value: JsonValue): JsonValue[] {
  const out: JsonValue[] = [value];
  const children = Array.isArray(value) ? value : isJsonObject(value) ? Object.values(value) : [];
  for (const child of children) out.push(...descendants(child));
  return out;
}

function apply(step: Exclude<Step, { kind: 'recursive' }>, value: JsonValue): JsonValue[] {
  switch (step.kind) {
    case 'field':
      return isJsonObject(value) && Object.hasOwn(value, step.name) ? [value[step.name] as JsonValue] : [];
    case 'keys':
      return isJsonObject(value)
        ? step.names.filter((n) => Object.hasOwn(value, n)).map((n) => value[n] as JsonValue)
        : [];
    case 'wildcard':
      return Array.isArray(value) ? value : isJsonObject(value) ? Object.values(value) : [];
    case 'index': {
      if (!Array.isArray(value)) return [];
      return step.indices.flatMap((i) => {
        const at = i < 0 ? value.length + i : i;
        return at >= 0 && at < value.length ? [value[at] as JsonValue] : [];
      });
    }
    case 'slice':
      return Array.isArray(value) ? slice(value, step) : [];
    case 'filter': {
      const items = Array.isArray(value) ? value : isJsonObject(value) ? Object.values(value) : [];
      return items.filter((item) => test(step.filter, item));
    }
  }
  return [];
}

function slice(list: JsonValue[], s: { start?: number; end?: number; step?: number }): JsonValue[] {
  const n = list.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? n + v : v, 0), n);
  const start = clamp(s.start ?? 0);
  const end = clamp(s.end ?? n);
  const step = s.step === undefined || s.step === 0 ? 1 : Math.abs(s.step);
  const out: JsonValue[] = [];
  for (let i = start; i < end; i += step) out.push(list[i] as JsonValue);
  return out;
}

function resolve(operand: Literal, item: JsonValue): JsonValue[] {
  return operand.kind === 'literal' ? [operand.value] : run(operand.steps, [item]);
}

function test(filter: Filter, item: JsonValue): boolean {
  const left = resolve(filter.left, item);
  if (filter.op === undefined || filter.right === undefined) return left.length > 0 && left[0] !== false;
  const right = resolve(filter.right, item);
  if (left.length === 0 || right.length === 0) return filter.op === '!=' && left.length !== right.length;
  const a = left[0] as JsonValue;
  const b = right[0] as JsonValue;
  switch (filter.op) {
    case '==':
      return compare(a, b) === 0;
    case '!=':
      return compare(a, b) !== 0;
    default: {
      if (
        !(
          (typeof a === 'number' && typeof b === 'number') ||
          (typeof a === 'string' && typeof b === 'string')
        )
      ) {
        return false;
      }
      const c = compare(a, b);
      return filter.op === '<' ? c < 0 : filter.op === '<=' ? c <= 0 : filter.op === '>' ? c > 0 : c >= 0;
    }
  }
}

function compare(a: JsonValue, b: JsonValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * One additionalPrinterColumns cell as the apiserver's table convertor computes it: the first match,
 * converted to the column type; null (shown as `<none>`) when absent or of the wrong type.
 */
export function printerColumnCell(obj: JsonObject, jsonPath: string, type: string): JsonValue {
  let value: JsonValue | undefined;
  try {
    value = evaluateJsonPath(obj, jsonPath)[0];
  } catch {
    return null;
  }
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      if (typeof value !== 'string') return null;
      return Number.isNaN(Date.parse(value)) ? '<invalid>' : value;
    default:
      return typeof value === 'string'
        ? value
        : isJsonObject(value) || Array.isArray(value)
          ? JSON.stringify(value)
          : String(value);
  }
}

/** kubectl's HumanDuration (apimachinery util/duration), e.g. `45s`, `5m`, `3h12m`, `2d5h`, `400d`, `3y10d`. */
export function formatAge(from: Date, now: Date): string {
  const ms = now.getTime() - from.getTime();
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const dy = days % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}
