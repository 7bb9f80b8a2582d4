/**
 * Label and field selectors as the kube-apiserver parses and matches them: the `?labelSelector=` and
 * `?fieldSelector=` query strings, and metav1.LabelSelector objects found in specs (Deployment, aggregationRule).
 * Error texts follow apimachinery so kubectl users see what they would see against a real cluster.
 */
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

export class SelectorError extends Error {
  override name = 'SelectorError';
}

export type LabelOperator =
  | 'Equals'
  | 'NotEquals'
  | 'In'
  | 'NotIn'
  | 'Exists'
  | 'DoesNotExist'
  | 'GreaterThan'
  | 'LessThan';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A conjunction of requirements; no requirements means "everything". */
export interface LabelSelector {
  requirements: LabelRequirement[];
}

export interface FieldRequirement {
  field: string;
  operator: 'Equals' | 'NotEquals';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
}

// --- label key and value syntax (apimachinery validation.IsQualifiedName / IsValidLabelValue) ---

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** Returns the reasons a label key is invalid; empty when valid. */
export function labelKeyErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else if (prefix.length > 253) errs.push('prefix part must be no more than 253 characters');
    else if (!DNS1123_SUBDOMAIN.test(prefix)) {
      errs.push(
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      );
    }
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  else if (!NAME_PART.test(name)) errs.push(NAME_PART_MSG);
  return errs;
}

/** Returns the reasons a label value is invalid; empty when valid. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(value)) errs.push(VALUE_MSG);
  return errs;
}

function quoteGo(value: string): string {
  return JSON.stringify(value);
}

function goStringList(values: string[]): string {
  return `[]string{${values.map(quoteGo).join(', ')}}`;
}

/** Builds a requirement the way labels.NewRequirement does, collecting every problem into one error. */
function newRequirement(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
  const errs: string[] = [];
  for (const e of labelKeyErrors(key)) errs.push(`key: Invalid value: ${quoteGo(key)}: ${e}`);
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        errs.push(
          `values: Invalid value: ${goStringList(values)}: for 'in', 'notin' operators, values set can't be empty`,
        );
      }
      break;
    case 'Equals':
    case 'NotEquals':
      if (values.length !== 1) {
        errs.push(
          `values: Invalid value: ${goStringList(values)}: exact-match compatibility requires one single value`,
        );
      }
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) {
        errs.push(
          `values: Invalid value: ${goStringList(values)}: values set must be empty for exists and does not exist`,
        );
      }
      break;
    case 'GreaterThan':
    case 'LessThan':
      if (values.length !== 1) {
        errs.push(
          `values: Invalid value: ${goStringList(values)}: for 'Gt', 'Lt' operators, exactly one value is required`,
        );
      }
      values.forEach((v, i) => {
        if (!/^-?\d+$/.test(v)) {
          errs.push(
            `values[${i}]: Invalid value: ${quoteGo(v)}: for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
      });
      break;
  }
  values.forEach((v, i) => {
    for (const e of labelValueErrors(v)) errs.push(`values[${i}]: Invalid value: ${quoteGo(v)}: ${e}`);
  });
  if (errs.length === 1) throw new SelectorError(`unable to parse requirement: ${errs[0]}`);
  if (errs.length > 1) throw new SelectorError(`unable to parse requirement: [${errs.join(', ')}]`);
  return { key, operator, values };
}

// --- label selector string parser (apimachinery labels.Parse) ---

type TokenKind = 'ident' | 'in' | 'notin' | '!' | '=' | '==' | '!=' | '>' | '<' | ',' | '(' | ')' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
}

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        tokens.push({ kind: two, text: two });
        i += 2;
      } else {
        tokens.push({ kind: c as TokenKind, text: c });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < text.length && !SPECIAL.has(text[j] ?? '') && !/\s/.test(text[j] ?? '')) j++;
    const word = text.slice(i, j);
    tokens.push({ kind: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'ident', text: word });
    i = j;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

class LabelParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] ?? { kind: 'end', text: '' };
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    const first = this.peek();
    if (first.kind === 'end') return reqs;
    if (first.kind !== 'ident' && first.kind !== '!') {
      throw new SelectorError(`found '${first.text}', expected: !, identifier, or 'end of string'`);
    }
    for (;;) {
      reqs.push(this.requirement());
      const t = this.next();
      if (t.kind === 'end') return reqs;
      if (t.kind !== ',') throw new SelectorError(`found '${t.text}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.kind !== 'ident' && after.kind !== '!') {
        throw new SelectorError(`found '${after.text}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    let t = this.next();
    if (t.kind === '!') {
      t = this.next();
      if (t.kind !== 'ident') throw new SelectorError(`found '${t.text}', expected: identifier after '!'`);
      const after = this.peek();
      if (after.kind !== 'end' && after.kind !== ',') {
        throw new SelectorError(`found '${after.text}', expected: ',' or 'end of string'`);
      }
      return newRequirement(t.text, 'DoesNotExist', []);
    }
    if (t.kind !== 'ident') throw new SelectorError(`found '${t.text}', expected: identifier`);
    const key = t.text;
    const op = this.peek();
    if (op.kind === 'end' || op.kind === ',') return newRequirement(key, 'Exists', []);
    this.next();
    switch (op.kind) {
      case 'in':
      case 'notin':
        return newRequirement(key, op.kind === 'in' ? 'In' : 'NotIn', this.valueSet());
      case '=':
      case '==':
        return newRequirement(key, 'Equals', [this.exactValue()]);
      case '!=':
        return newRequirement(key, 'NotEquals', [this.exactValue()]);
      case '>':
        return newRequirement(key, 'GreaterThan', [this.exactValue()]);
      case '<':
        return newRequirement(key, 'LessThan', [this.exactValue()]);
      default:
        throw new SelectorError(`found '${op.text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private exactValue(): string {
    const t = this.peek();
    if (t.kind === 'end' || t.kind === ',') return '';
    this.next();
    if (t.kind === 'ident' || t.kind === 'in' || t.kind === 'notin') return t.text;
    throw new SelectorError(`found '${t.text}', expected: identifier`);
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.kind !== '(') throw new SelectorError(`found '${open.text}', expected: '('`);
    const values: string[] = [];
    if (this.peek().kind === ')') {
      this.next();
      return values;
    }
    for (;;) {
      const t = this.next();
      if (t.kind === 'ident' || t.kind === 'in' || t.kind === 'notin') {
        values.push(t.text);
        const sep = this.next();
        if (sep.kind === ')') return values;
        if (sep.kind !== ',') throw new SelectorError(`found '${sep.text}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        // `in (a,,b)` and `in (,a)`: the apiserver reads the gap as the empty value.
        values.push('');
      } else if (t.kind === ')') {
        values.push('');
        return values;
      } else {
        throw new SelectorError(`found '${t.text}', expected: ',', ')' or identifier`);
      }
    }
  }
}

export function parseLabelSelector(text: string): LabelSelector {
  return { requirements: new LabelParser(lex(text)).parse() };
}

/** metav1.LabelSelector → LabelSelector. Absent, null or `{}` select everything. */
export function labelSelectorFromObject(sel: JsonValue | undefined): LabelSelector {
  if (sel === undefined || sel === null) return { requirements: [] };
  if (!isJsonObject(sel)) throw new SelectorError('label selector must be an object');
  const reqs: LabelRequirement[] = [];
  const matchLabels = sel.matchLabels;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isJsonObject(matchLabels)) throw new SelectorError('matchLabels must be an object of strings');
    for (const [k, v] of Object.entries(matchLabels)) {
      if (typeof v !== 'string') throw new SelectorError(`matchLabels[${k}] must be a string`);
      reqs.push(newRequirement(k, 'Equals', [v]));
    }
  }
  const exprs = sel.matchExpressions;
  if (exprs !== undefined && exprs !== null) {
    if (!Array.isArray(exprs)) throw new SelectorError('matchExpressions must be a list');
    for (const expr of exprs) {
      if (!isJsonObject(expr) || typeof expr.key !== 'string') {
        throw new SelectorError('matchExpressions entries need a string key');
      }
      const rawValues = expr.values ?? [];
      if (!Array.isArray(rawValues) || rawValues.some((v) => typeof v !== 'string')) {
        throw new SelectorError(`matchExpressions values for key ${quoteGo(expr.key)} must be strings`);
      }
      const values = rawValues as string[];
      const op = expr.operator;
      if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') {
        throw new SelectorError(`${quoteGo(String(op))} is not a valid label selector operator`);
      }
      reqs.push(newRequirement(expr.key, op, values));
    }
  }
  return { requirements: reqs };
}

export function isEmptySelector(sel: LabelSelector | FieldSelector): boolean {
  return sel.requirements.length === 0;
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const ls = labels ?? {};
  return sel.requirements.every((r) => {
    const has = Object.hasOwn(ls, r.key);
    const value = has ? ls[r.key] : undefined;
    switch (r.operator) {
      case 'Equals':
      case 'In':
        return value !== undefined && r.values.includes(value);
      case 'NotEquals':
      case 'NotIn':
        return value === undefined || !r.values.includes(value);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'GreaterThan':
      case 'LessThan': {
        if (value === undefined || !/^-?\d+$/.test(value)) return false;
        const left = Number(value);
        const right = Number(r.values[0]);
        return r.operator === 'GreaterThan' ? left > right : left < right;
      }
    }
    return false;
  });
}

/** The canonical string form, as written into `/scale` status.selector. */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel.requirements
    .map((r) => {
      switch (r.operator) {
        case 'Equals':
          return `${r.key}=${r.values[0] ?? ''}`;
        case 'NotEquals':
          return `${r.key}!=${r.values[0] ?? ''}`;
        case 'In':
          return `${r.key} in (${[...r.values].sort().join(',')})`;
        case 'NotIn':
          return `${r.key} notin (${[...r.values].sort().join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'GreaterThan':
          return `${r.key}>${r.values[0] ?? ''}`;
        case 'LessThan':
          return `${r.key}<${r.values[0] ?? ''}`;
      }
      return '';
    })
    .join(',');
}

// --- field selectors (apimachinery fields.ParseSelector) ---

/** Splits on commas that are not escaped with a backslash. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\\' && i + 1 < text.length) {
      current += c + (text[i + 1] ?? '');
      i++;
    } else if (c === ',') {
      terms.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  terms.push(current);
  return terms;
}

function unescapeFieldValue(raw: string, term: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? '';
    if (c === '\\') {
      const n = raw[i + 1];
      if (n !== '\\' && n !== ',' && n !== '=') {
        throw new SelectorError(`invalid field selector: '${term}'; invalid escape sequence`);
      }
      out += n;
      i++;
    } else if (c === ',' || c === '=') {
      throw new SelectorError(`invalid field selector: '${term}'; unescaped ${c} in value`);
    } else {
      out += c;
    }
  }
  return out;
}

export function parseFieldSelector(text: string, supportedFields: readonly string[]): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text)) {
    if (term.trim().length === 0) continue;
    let operator: FieldRequirement['operator'] | undefined;
    let at = -1;
    let opLen = 0;
    for (const [op, kind] of [
      ['!=', 'NotEquals'],
      ['==', 'Equals'],
      ['=', 'Equals'],
    ] as const) {
      const idx = term.indexOf(op);
      if (idx >= 0) {
        operator = kind;
        at = idx;
        opLen = op.length;
        break;
      }
    }
    if (operator === undefined) {
      throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    }
    const field = term.slice(0, at).trim();
    const value = unescapeFieldValue(term.slice(at + opLen).trim(), term);
    if (!supportedFields.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    requirements.push({ field, operator, value });
  }
  return { requirements };
}

/** Reads a dotted path; objects, arrays and absent fields read as "" (they cannot be selected on). */
export function fieldValue(obj: JsonObject, path: string): string {
  let cur: JsonValue | undefined = obj;
  for (const part of path.split('.')) {
    if (!isJsonObject(cur)) return '';
    cur = cur[part];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return '';
}

export function matchesFields(sel: FieldSelector, obj: JsonObject): boolean {
  return sel.requirements.every((r) => {
    const v = fieldValue(obj, r.field);
    return r.operator === 'Equals' ? v === r.value : v !== r.value;
  });
}
