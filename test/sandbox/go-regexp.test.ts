import { describe, expect, it } from 'vitest';
import { cachedGoRegexp, compileGoRegexp } from '../../src/sandbox/go-regexp.js';
import { validateValue } from '../../src/sandbox/schema-validation.js';

describe('compileGoRegexp', () => {
  it('keeps ordinary patterns as they are', () => {
    const re = compileGoRegexp('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$');
    expect(re.test('my-app')).toBe(true);
    expect(re.test('My-App')).toBe(false);
  });

  it('turns a leading (?i) into a flag', () => {
    const re = compileGoRegexp('(?i)^(true|false)$');
    expect(re.test('TRUE')).toBe(true);
    expect(re.test('yes')).toBe(false);
  });

  it('maps \\A, \\z and POSIX classes', () => {
    expect(compileGoRegexp('\\A[[:alpha:]][[:alnum:]_]*\\z').test('abc_1')).toBe(true);
    expect(compileGoRegexp('\\A[[:alpha:]][[:alnum:]_]*\\z').test('1abc')).toBe(false);
    expect(compileGoRegexp('^[[:xdigit:]]+$').test('BEEF')).toBe(true);
  });

  it('accepts RE2 identity escapes of punctuation', () => {
    const re = compileGoRegexp('^\\_[a-z]+\\-v[0-9]$');
    expect(re.test('_app-v1')).toBe(true);
    expect(re.test('app-v1')).toBe(false);
  });

  it('reports patterns no engine accepts', () => {
    expect(() => compileGoRegexp('([')).toThrow();
    expect(cachedGoRegexp('([')).toBeNull();
    expect(cachedGoRegexp('^a$')).toBe(cachedGoRegexp('^a$'));
  });

  it('is what schema validation uses for pattern', () => {
    expect(validateValue({ type: 'string', pattern: '(?i)^on|off$' }, 'ON', 'spec.s')).toEqual([]);
  });
});
