/**
 * docs/api/openapi.yaml and the routes the engine serves on its API port agree: every implemented route (the
 * REST API and webhook table, plus the health routes) is documented with its method, and every documented
 * operation is implemented. api-rest.test.ts also calls each documented operation on a running engine.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { documentedOperations, implementedOperations, type Json } from './openapi-operations.js';

describe('the OpenAPI document and the API port', () => {
  it('document every implemented route, and implement every documented one', () => {
    const documented = documentedOperations().sort();
    const implemented = implementedOperations().sort();
    expect(documented.filter((op) => !implemented.includes(op))).toEqual([]);
    expect(implemented.filter((op) => !documented.includes(op))).toEqual([]);
    expect(implemented).toHaveLength(new Set(implemented).size);
  });

  it('is OpenAPI 3 with every $ref resolving', () => {
    const text = readFileSync(new URL('../../docs/api/openapi.yaml', import.meta.url), 'utf8');
    const doc = parse(text) as Json;
    expect(String(doc.openapi)).toMatch(/^3\./);
    const components = doc.components as Record<string, Record<string, unknown>>;
    const refs = [...text.matchAll(/\$ref: '#\/components\/(\w+)\/(\w+)'/g)];
    expect(refs.length).toBeGreaterThan(10);
    for (const [, section, name] of refs)
      expect(components[section ?? '']?.[name ?? ''], `${section}/${name}`).toBeDefined();
  });
});
