import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parsePort } from '../src/cli/parse.js';

describe('parsePort', () => {
  it('accepts 0 (free port) and ordinary ports', () => {
    expect(parsePort('0')).toBe(0);
    expect(parsePort('8080')).toBe(8080);
  });
  it('rejects values that are not ports, naming the value', () => {
    expect(() => parsePort('70000')).toThrow(InvalidArgumentError);
    expect(() => parsePort('abc')).toThrow(/"abc"/);
  });
});
