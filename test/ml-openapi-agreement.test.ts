/**
 * openapi/ml-service.yaml and the zod schemas in src/ml/contract.ts describe the same contract. This walks
 * both (zod through its JSON Schema export) and lists every disagreement in types, properties, required
 * fields, enums, ranges and patterns.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { OPENAPI_COMPONENTS } from '../src/ml/contract.js';

type Json = Record<string, unknown>;

const doc = parse(readFileSync(new URL('../openapi/ml-service.yaml', import.meta.url), 'utf8')) as Json;
const schemas = (doc.components as Json).schemas as Record<string, Json>;

function resolve(node: Json): Json {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const name = ref.replace('#/components/schemas/', '');
  const target = schemas[name];
  if (!target) throw new Error(`unresolved $ref ${ref}`);
  return target;
}

const COMPARED = [
  'type',
  'enum',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'minItems',
  'minLength',
  'format',
];

function compare(zodNode: Json, apiNode: Json, at: string, problems: string[]): void {
  const api = resolve(apiNode);
  const zodAlternatives = zodNode.anyOf ?? zodNode.oneOf;
  const apiAlternatives = api.oneOf ?? api.anyOf;
  if (zodAlternatives || apiAlternatives) {
    const za = (zodAlternatives ?? []) as Json[];
    const aa = (apiAlternatives ?? []) as Json[];
    if (za.length !== aa.length)
      problems.push(`${at}: ${za.length} alternatives in zod, ${aa.length} in OpenAPI`);
    za.forEach((alt, i) => {
      if (aa[i]) compare(alt, aa[i], `${at}|${i}`, problems);
    });
    return;
  }
  for (const key of COMPARED) {
    if (JSON.stringify(zodNode[key]) !== JSON.stringify(api[key])) {
      problems.push(
        `${at}: ${key} is ${JSON.stringify(zodNode[key])} in zod, ${JSON.stringify(api[key])} in OpenAPI`,
      );
    }
  }
  // zod adds its own pattern to date-times; the format already says it.
  if (api.format !== 'date-time' && zodNode.pattern !== api.pattern) {
    problems.push(`${at}: pattern ${String(zodNode.pattern)} in zod, ${String(api.pattern)} in OpenAPI`);
  }
  if (zodNode.type === 'object') {
    const zp = (zodNode.properties ?? {}) as Record<string, Json>;
    const ap = (api.properties ?? {}) as Record<string, Json>;
    const zKeys = Object.keys(zp).sort();
    const aKeys = Object.keys(ap).sort();
    if (zKeys.join() !== aKeys.join())
      problems.push(`${at}: properties [${zKeys}] in zod, [${aKeys}] in OpenAPI`);
    const zr = ((zodNode.required ?? []) as string[]).slice().sort();
    const ar = ((api.required ?? []) as string[]).slice().sort();
    if (zr.join() !== ar.join()) problems.push(`${at}: required [${zr}] in zod, [${ar}] in OpenAPI`);
    for (const key of zKeys) {
      if (ap[key]) compare(zp[key] as Json, ap[key], `${at}.${key}`, problems);
    }
    if (typeof zodNode.additionalProperties === 'object' || typeof api.additionalProperties === 'object') {
      compare(
        (zodNode.additionalProperties ?? {}) as Json,
        (api.additionalProperties ?? {}) as Json,
        `${at}{*}`,
        problems,
      );
    }
  }
  if (zodNode.type === 'array')
    compare(zodNode.items as Json, (api.items ?? {}) as Json, `${at}[]`, problems);
}

describe('OpenAPI document and zod schemas', () => {
  it('declares the three ADR-009 endpoints, feedback, GET /health and the KServe v1 paths', () => {
    const paths = doc.paths as Record<string, Json>;
    expect(Object.keys(paths).sort()).toEqual(
      [
        '/api/v1/anomaly/detect',
        '/api/v1/feedback',
        '/api/v1/pattern/analyze',
        '/api/v1/prediction/predict',
        '/health',
        '/v1/models',
        '/v1/models/{model}',
        '/v1/models/{model}:predict',
      ].sort(),
    );
    expect(Object.keys(paths['/api/v1/anomaly/detect'] ?? {})).toEqual(['post']);
    expect(Object.keys(paths['/health'] ?? {})).toEqual(['get']);
  });

  it('has a zod schema for every component schema and vice versa', () => {
    expect(Object.keys(schemas).sort()).toEqual(Object.keys(OPENAPI_COMPONENTS).sort());
  });

  it.each(Object.entries(OPENAPI_COMPONENTS))('agrees on %s', (name, schema) => {
    const problems: string[] = [];
    const api = schemas[name];
    expect(api, `component ${name}`).toBeDefined();
    compare(z.toJSONSchema(schema) as Json, api as Json, name, problems);
    expect(problems).toEqual([]);
  });

  it('catches a disagreement (the checker is not vacuous)', () => {
    const problems: string[] = [];
    const drifted = z.object({ confidence: z.number().min(0).max(2), extra: z.string() });
    compare(z.toJSONSchema(drifted) as Json, schemas.AnomalyDetectResponse as Json, 'drifted', problems);
    expect(problems.join('\n')).toMatch(/properties/);
    expect(problems.join('\n')).toMatch(/required/);
  });
});
