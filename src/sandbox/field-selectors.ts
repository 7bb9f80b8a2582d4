/** Field selectors as apimachinery's fields.ParseSelector reads them, plus dotted-path matching. */
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
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
