import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { POLICY_API_VERSION, POLICY_KIND } from '../src/policy/api-group.js';
import { describeErrors, validatePolicySpec } from '../src/policy/validate.js';

const dir = new URL('../examples/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('examples/', () => {
  it('has examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });
  it.each(files)('%s is a valid RemediationPolicy', (file) => {
    const doc = parse(readFileSync(new URL(file, dir), 'utf8')) as {
      apiVersion: string;
      kind: string;
      spec: unknown;
    };
    expect(doc.apiVersion).toBe(POLICY_API_VERSION);
    expect(doc.kind).toBe(POLICY_KIND);
    const result = validatePolicySpec(doc.spec);
    expect(result.valid ? '' : describeErrors(result.errors)).toBe('');
  });
});
