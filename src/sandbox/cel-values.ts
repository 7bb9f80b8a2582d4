/**
 * How a custom resource's JSON looks to a CEL rule, as apiextensions-apiserver builds it from the schema:
 * integers are CEL ints (bigint), numbers doubles; objects with properties expose only those properties, under
 * their escaped names (`foo-bar` → `foo__dash__bar`); additionalProperties and preserved objects are maps with
 * their raw keys; at a resource root only apiVersion, kind and metadata.name/generateName are visible.
 * Also the rule's fieldPath (`.spec.x`, `['a.b']`), resolved against the schema as ValidFieldPath does.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../json/json-value.js';
import { additionalSchema, itemsSchema, type JSONSchemaProps, propertySchema } from './schema-types.js';

const RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** The CEL name of a schema property, or undefined when it cannot be written in CEL (it is then left out). */
export function escapePropertyName(name: string): string | undefined {
  if (RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name
    .replace(/__/g, '__underscores__')
    .replace(/\./g, '__dot__')
    .replace(/-/g, '__dash__')
    .replace(/\//g, '__slash__');
}

export function toCelValue(
  value: JsonValue,
  schema: JSONSchemaProps | undefined,
  resourceRoot = false,
): unknown {
  if (value === null) return null;
  if (typeof value === 'number') {
    const integral = schema?.type === 'integer' || (schema?.type !== 'number' && Number.isInteger(value));
    return integral && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    const items = schema ? itemsSchema(schema) : undefined;
    return value.map((v) => toCelValue(v, items));
  }
  if (!isJsonObject(value)) return value;
  if (resourceRoot || schema?.['x-kubernetes-embedded-resource'] === true) return resourceView(value, schema);
  const additional = schema ? additionalSchema(schema) : undefined;
  const hasProperties = schema?.properties !== undefined && Object.keys(schema.properties).length > 0;
  if (schema && !hasProperties && (additional || schema['x-kubernetes-preserve-unknown-fields'] === true)) {
    return mapOf(value, (v) => toCelValue(v, additional));
  }
  const out = new Map<string, unknown>();
  for (const [key, v] of Object.entries(value)) {
    const sub = schema ? propertySchema(schema, key) : undefined;
    if (schema && !sub) continue;
    const name = escapePropertyName(key);
    if (name !== undefined) out.set(name, toCelValue(v, sub));
  }
  return out;
}

function mapOf(value: JsonObject, convert: (v: JsonValue) => unknown): Map<string, unknown> {
  return new Map(Object.entries(value).map(([k, v]) => [k, convert(v)]));
}

/** ObjectMeta is opaque to rules except its name and generateName. */
function resourceView(value: JsonObject, schema: JSONSchemaProps | undefined): unknown {
  const out = toCelValue(
    { ...value, metadata: null },
    { ...schema, 'x-kubernetes-embedded-resource': false },
  );
  if (!(out instanceof Map)) return out;
  out.delete('metadata');
  const meta = isJsonObject(value.metadata) ? value.metadata : undefined;
  if (meta) {
    const visible = new Map<string, unknown>();
    for (const key of ['name', 'generateName'])
      if (typeof meta[key] === 'string') visible.set(key, meta[key]);
    out.set('metadata', visible);
  }
  for (const key of ['apiVersion', 'kind']) if (typeof value[key] === 'string') out.set(key, value[key]);
  return out;
}

/**
 * Resolves a rule's fieldPath (`.a.b`, `.a['b.c']`, `['x']`) against the node's schema into the field path it
 * names (`a.b`, `a.b.c`; map keys as `m[k]`), or throws with ValidFieldPath's reason.
 */
export function resolveFieldPath(fieldPath: string, schema: JSONSchemaProps): string {
  const tokens = fieldPath.match(/'(?:[^'\\]|\\.)*'|[.[\]]|[^.[\]']+/g) ?? [];
  let path = '';
  let node: JSONSchemaProps | undefined = schema;
  const append = (name: string) => {
    if (node?.properties !== undefined) {
      node = propertySchema(node, name);
      if (!node) throw new Error('does not refer to a valid field');
      path = path === '' ? name : `${path}.${name}`;
    } else if (node && additionalSchema(node)) {
      node = additionalSchema(node);
      path = `${path}[${name}]`;
    } else {
      throw new Error('does not refer to a valid field');
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    if (tok === '.') {
      const name = tokens[++i];
      if (name === undefined) throw new Error('unexpected end of JSON path');
      append(name);
    } else if (tok === '[') {
      const quoted = tokens[++i];
      if (quoted === undefined) throw new Error('unexpected end of JSON path');
      if (quoted.length < 2 || !quoted.startsWith("'") || !quoted.endsWith("'")) {
        throw new Error(`expected single quoted string but got ${quoted}`);
      }
      append(quoted.slice(1, -1).replace(/\\(.)/g, '$1'));
      const close = tokens[++i];
      if (close === undefined) throw new Error('unexpected end of JSON path');
      if (close !== ']') throw new Error(`expected ] but got ${close}`);
    } else {
      throw new Error(`expected [ or . but got: ${tok}`);
    }
  }
  return path;
}
