/** Field selectors as apimachinery's fields.ParseSelector reads them, plus dotted-path matching. */
import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { SelectorError } from './selector-error.js';

export interface FieldRequirement {
  field: string;
  operator: 'Equals' | 'NotEquals';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
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

/** fields.UnescapeValue: only `\\`, `\,` and `\=` are escapes; bare `,` and `=` are errors. */
function unescapeFieldValue(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? '';
    if (c === '\\') {
      const n = raw[i + 1];
      if (n !== '\\' && n !== ',' && n !== '=') {
        throw new SelectorError(`invalid field selector: invalid escape sequence: \\${n ?? ''}`);
      }
      out += n;
      i++;
    } else if (c === ',' || c === '=') {
      // Go formats the offending rune with %v, which prints its code point.
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  return out;
}

const TERM_OPERATORS = [
  ['!=', 'NotEquals'],
  ['==', 'Equals'],
  ['=', 'Equals'],
] as const;

/** Splits at the first position where any operator starts, as fields.splitTerm does. No trimming, as upstream. */
function splitTerm(
  term: string,
): { field: string; operator: FieldRequirement['operator']; raw: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const [op, operator] of TERM_OPERATORS) {
      if (term.startsWith(op, i))
        return { field: term.slice(0, i), operator, raw: term.slice(i + op.length) };
    }
  }
  return undefined;
}

export function parseFieldSelector(text: string, supportedFields: readonly string[]): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text)) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const value = unescapeFieldValue(parts.raw);
    if (!supportedFields.includes(parts.field))
      throw new SelectorError(`field label not supported: ${parts.field}`);
    requirements.push({ field: parts.field, operator: parts.operator, value });
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
