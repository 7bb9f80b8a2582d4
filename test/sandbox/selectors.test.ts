import { describe, expect, it } from 'vitest';
import {
  formatLabelSelector,
  isEmptySelector,
  labelSelectorFromObject,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from '../../src/sandbox/selectors.js';

const web = { app: 'web', tier: 'frontend', 'example.com/team': 'core' };
const db = { app: 'db', tier: 'backend', replicas: '3' };

function selects(text: string, labels: Record<string, string> | undefined): boolean {
  return matchesLabels(parseLabelSelector(text), labels);
}

function parseError(text: string): string {
  try {
    parseLabelSelector(text);
  } catch (err) {
    expect(err).toBeInstanceOf(SelectorError);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseLabelSelector', () => {
  it('treats the empty string and whitespace as "everything"', () => {
    expect(isEmptySelector(parseLabelSelector(''))).toBe(true);
    expect(isEmptySelector(parseLabelSelector('   '))).toBe(true);
    expect(selects('', undefined)).toBe(true);
  });

  it('matches equality forms', () => {
    expect(selects('app=web', web)).toBe(true);
    expect(selects('app==web', web)).toBe(true);
    expect(selects('app=web', db)).toBe(false);
    expect(selects('app!=web', db)).toBe(true);
    expect(selects('app!=web', web)).toBe(false);
    // != also matches objects without the label, as in Kubernetes.
    expect(selects('missing!=x', web)).toBe(true);
    expect(selects('app=web', undefined)).toBe(false);
  });

  it('matches set-based forms and existence', () => {
    expect(selects('app in (web,db)', db)).toBe(true);
    expect(selects('app in (api)', db)).toBe(false);
    expect(selects('app notin (web)', db)).toBe(true);
    expect(selects('app notin (web)', web)).toBe(false);
    expect(selects('missing notin (web)', web)).toBe(true);
    expect(selects('tier', web)).toBe(true);
    expect(selects('missing', web)).toBe(false);
    expect(selects('!missing', web)).toBe(true);
    expect(selects('!tier', web)).toBe(false);
  });

  it('joins requirements with commas (AND) and tolerates whitespace', () => {
    expect(selects(' app = web , tier in ( frontend , edge ) , !gone ', web)).toBe(true);
    expect(selects('app=web,tier=backend', web)).toBe(false);
    expect(parseLabelSelector('app=web, tier notin (a,b)').requirements).toEqual([
      { key: 'app', operator: 'Equals', values: ['web'] },
      { key: 'tier', operator: 'NotIn', values: ['a', 'b'] },
    ]);
  });

  it('accepts prefixed keys, empty values and numeric comparisons', () => {
    expect(selects('example.com/team=core', web)).toBe(true);
    expect(selects('app=', { app: '' })).toBe(true);
    expect(selects('app=', web)).toBe(false);
    expect(selects('replicas>2', db)).toBe(true);
    expect(selects('replicas<2', db)).toBe(false);
    expect(selects('replicas>2', web)).toBe(false);
  });

  it('rejects malformed syntax naming the offending token', () => {
    expect(parseError('app=web tier=x')).toBe("found 'tier', expected: ',' or 'end of string'");
    expect(parseError('app in web')).toBe("unable to parse requirement: found 'web' expected: '('");
    expect(parseError('app=web,')).toBe("found '', expected: identifier after ','");
    expect(parseError('!')).toBe("unable to parse requirement: found '', expected: identifier");
    expect(parseError('=web')).toBe("found '=', expected: !, identifier, or 'end of string'");
    expect(parseError('app in (a b)')).toBe("unable to parse requirement: found 'b', expected: ',' or ')'");
    expect(parseError('app in (a=b)')).toBe("unable to parse requirement: found '=', expected: ',' or ')'");
    expect(parseError('app in (=)')).toBe(
      "unable to parse requirement: found '=', expected: ',', ')' or identifier",
    );
    expect(parseError('!app=x')).toBe("found '=', expected: ',' or 'end of string'");
    expect(parseError('app=(x)')).toBe("unable to parse requirement: found '(', expected: identifier");
    expect(parseError('app (x)')).toBe(
      "unable to parse requirement: found '(', expected: '=', '!=', '==', 'in', notin'",
    );
  });

  it('reads empty set members the way upstream does', () => {
    expect(parseLabelSelector('a in ()').requirements).toEqual([{ key: 'a', operator: 'In', values: [''] }]);
    expect(parseLabelSelector('a in (,x)').requirements[0]?.values).toEqual(['', 'x']);
    expect(parseLabelSelector('a in (x,,y)').requirements[0]?.values).toEqual(['', 'x', 'y']);
    expect(parseLabelSelector('a in (y,x,)').requirements[0]?.values).toEqual(['', 'x', 'y']);
    expect(parseLabelSelector('a in (x,x)').requirements[0]?.values).toEqual(['x']);
    expect(selects('tier in (,frontend)', web)).toBe(true);
    expect(selects('tier in ()', { tier: '' })).toBe(true);
  });

  it('treats in/notin as identifiers in value and key position', () => {
    expect(parseLabelSelector('in=notin').requirements).toEqual([
      { key: 'in', operator: 'Equals', values: ['notin'] },
    ]);
    expect(parseLabelSelector('a in (in,notin)').requirements[0]?.values).toEqual(['in', 'notin']);
  });

  it('sorts requirements by key like upstream', () => {
    expect(parseLabelSelector('z=1,a=2').requirements.map((r) => r.key)).toEqual(['a', 'z']);
  });

  it('validates key and value syntax like the apiserver', () => {
    expect(parseError('-app=web')).toMatch(
      /^unable to parse requirement: <nil>: Invalid value: "-app": name part must consist of alphanumeric/,
    );
    expect(parseError('app=-web')).toMatch(
      /^unable to parse requirement: values\[0\]\[app\]: Invalid value: "-web": a valid label must be an empty string/,
    );
    expect(parseError(`app=${'x'.repeat(64)}`)).toContain('must be no more than 63 characters');
    expect(parseError('Bad_Prefix/app=x')).toContain('prefix part a lowercase RFC 1123 subdomain');
    expect(parseError('a/=x')).toMatch(
      /<nil>: Invalid value: "a\/": name part must be non-empty; name part must consist/,
    );
    expect(parseError('n>abc')).toBe(
      "unable to parse requirement: values[0]: Invalid value: \"abc\": for 'Gt', 'Lt' operators, the value must be an integer",
    );
  });

  it('round-trips through formatLabelSelector', () => {
    const text = 'app=web,tier!=db,env in (prod,dev),zone notin (a),has,!gone';
    const formatted = formatLabelSelector(parseLabelSelector(text));
    expect(formatted).toBe('app=web,env in (dev,prod),!gone,has,tier!=db,zone notin (a)');
    expect(parseLabelSelector(formatted)).toEqual(parseLabelSelector(formatted.replace(/ /g, '  ')));
  });
});

describe('labelSelectorFromObject', () => {
  it('treats absent, null and empty selectors as everything', () => {
    for (const sel of [undefined, null, {}]) {
      const parsed = labelSelectorFromObject(sel);
      expect(isEmptySelector(parsed)).toBe(true);
      expect(matchesLabels(parsed, web)).toBe(true);
    }
  });

  it('combines matchLabels and matchExpressions', () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['frontend', 'edge'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'example.com/team', operator: 'Exists', values: [] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
      ],
    });
    expect(matchesLabels(sel, web)).toBe(true);
    expect(matchesLabels(sel, { ...web, canary: 'true' })).toBe(false);
    expect(matchesLabels(sel, { ...web, tier: 'backend' })).toBe(false);
    expect(matchesLabels(sel, { ...web, env: 'dev' })).toBe(false);
  });

  it('rejects bad operators and inconsistent values', () => {
    expect(() =>
      labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }),
    ).toThrow(new SelectorError('"Equals" is not a valid label selector operator'));
    expect(() =>
      labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }),
    ).toThrow(/values set can't be empty/);
    expect(() =>
      labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
    ).toThrow(/values set must be empty for exists and does not exist/);
    expect(() => labelSelectorFromObject({ matchLabels: { a: 3 } })).toThrow(SelectorError);
    expect(() => labelSelectorFromObject({ matchLabels: { 'bad key': 'x' } })).toThrow(
      /^key: Invalid value: "bad key"/,
    );
    expect(() => labelSelectorFromObject({ matchLabels: { '-k': '-v' } })).toThrow(
      /^\[key: Invalid value: "-k": .*, values\[0\]\[-k\]: Invalid value: "-v": .*\]$/,
    );
    expect(() => labelSelectorFromObject('app=web')).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  const supported = [
    'metadata.name',
    'metadata.namespace',
    'spec.nodeName',
    'status.phase',
    'spec.unschedulable',
  ];
  const pod = {
    metadata: { name: 'web-1', namespace: 'default' },
    spec: { nodeName: 'node-a' },
    status: { phase: 'Running' },
  };

  it('matches =, == and != over dotted paths', () => {
    expect(matchesFields(parseFieldSelector('status.phase=Running', supported), pod)).toBe(true);
    expect(
      matchesFields(parseFieldSelector('spec.nodeName==node-a,metadata.name=web-1', supported), pod),
    ).toBe(true);
    expect(matchesFields(parseFieldSelector('metadata.namespace!=default', supported), pod)).toBe(false);
    expect(matchesFields(parseFieldSelector('status.phase!=Pending', supported), pod)).toBe(true);
  });

  it('reads a missing field as the empty string', () => {
    const unscheduled = { metadata: { name: 'p' }, spec: {} };
    expect(matchesFields(parseFieldSelector('spec.nodeName=', supported), unscheduled)).toBe(true);
    expect(matchesFields(parseFieldSelector('spec.nodeName!=', supported), unscheduled)).toBe(false);
    expect(matchesFields(parseFieldSelector('spec.nodeName!=', supported), pod)).toBe(true);
  });

  it('stringifies booleans so node fields can be selected', () => {
    const node = { metadata: { name: 'n' }, spec: { unschedulable: true } };
    expect(matchesFields(parseFieldSelector('spec.unschedulable=true', supported), node)).toBe(true);
  });

  it('handles empty selectors and escaped values', () => {
    expect(isEmptySelector(parseFieldSelector('', supported))).toBe(true);
    expect(parseFieldSelector('metadata.name=a\\,b\\=c\\\\', supported).requirements).toEqual([
      { field: 'metadata.name', operator: 'Equals', value: 'a,b=c\\' },
    ]);
    // The operator found first, scanning left to right, splits the term.
    expect(parseFieldSelector('status.phase!=Running', supported).requirements[0]?.operator).toBe(
      'NotEquals',
    );
  });

  it('rejects unsupported fields and terms without an operator', () => {
    expect(() => parseFieldSelector('spec.foo=bar', supported)).toThrow(
      new SelectorError('field label not supported: spec.foo'),
    );
    expect(() => parseFieldSelector('metadata.name', supported)).toThrow(
      new SelectorError("invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
    );
    expect(() => parseFieldSelector('metadata.name=a\\q', supported)).toThrow(
      new SelectorError('invalid field selector: invalid escape sequence: \\q'),
    );
    expect(() => parseFieldSelector('metadata.name=a=b', supported)).toThrow(
      new SelectorError('invalid field selector: unescaped character in value: 61'),
    );
    // Spaces are part of the field name upstream, so this names an unsupported field.
    expect(() => parseFieldSelector('metadata.name = x', supported)).toThrow(
      'field label not supported: metadata.name ',
    );
  });
});
