import { describe, expect, it } from 'vitest';
import { parseIntOrPercent, resolveIntOrPercent } from '../../src/remediation/int-or-percent.js';

describe('resolveIntOrPercent (PDB rounding: percentages round up)', () => {
  it.each([
    ['50%', 1, 1],
    ['50%', 2, 1],
    ['50%', 3, 2],
    ['50%', 10, 5],
    ['50%', 100, 50],
    ['25%', 1, 1],
    ['25%', 10, 3],
    ['33%', 3, 1],
    ['34%', 3, 2],
    ['1%', 1000, 10],
    ['1%', 1001, 11],
    ['0%', 10, 0],
    ['100%', 7, 7],
    ['50%', 0, 0],
    [2, 10, 2],
    [0, 10, 0],
    // An integer is taken as is, even above the total (as PDB maxUnavailable is).
    [5, 3, 5],
  ] as const)('%s of %i is %i', (value, total, expected) => {
    expect(resolveIntOrPercent(value, total)).toBe(expected);
  });

  it.each([
    '50',
    '50.5%',
    '-1%',
    '101%',
    ' 50%',
    '50 %',
    '%',
    '',
    'half',
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])('rejects %j, naming it', (value) => {
    expect(() => parseIntOrPercent(value)).toThrow(JSON.stringify(value));
    expect(() => resolveIntOrPercent(value, 10)).toThrow(/invalid int-or-percent/);
  });

  it('rejects a value that is neither number nor string', () => {
    expect(() => parseIntOrPercent(null as unknown as string)).toThrow('null');
  });

  it('rejects a negative or fractional total', () => {
    expect(() => resolveIntOrPercent('50%', -1)).toThrow(/invalid total -1/);
    expect(() => resolveIntOrPercent('50%', 2.5)).toThrow(/invalid total 2.5/);
  });
});
