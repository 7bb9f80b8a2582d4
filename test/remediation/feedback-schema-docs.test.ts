import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { feedbackJsonSchema } from '../../src/remediation/feedback-example.js';
import { publishedFeedbackSchema, publishedSchemaProblems } from '../support/published-feedback-schema.js';

/*
 * The feedback format is documented three ways that must never drift apart: the JSON Schema file consumers
 * validate with (schemas/feedback-example.v1.schema.json), the field table and example line of docs/feedback.md,
 * and the zod schema the engine writes with. Exported lines are checked against the file in feedback-cli.test.ts.
 */

type Node = {
  type?: string | string[];
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  enum?: unknown[];
  const?: unknown;
};

const doc = readFileSync(new URL('../../docs/feedback.md', import.meta.url), 'utf8');
const section = (from: string, to: string) => doc.slice(doc.indexOf(from), doc.indexOf(to));
const schema = publishedFeedbackSchema as Node;

/** The rows of the Fields table: names (`a`, `b.c[]`) and the type cell, split on unescaped pipes. */
const rows = section('## Fields', '## An example line')
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) => {
    const [names = '', type = ''] = line
      .split(/(?<!\\)\|/)
      .slice(1)
      .map((cell) => cell.trim());
    return { names: [...names.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''), type };
  });

/** The schema node of a documented path (`decision.rules[]` is the array; its items are `.items`). */
function nodeAt(path: string): { node: Node | undefined; parent: Node; key: string } {
  const keys = path.replace(/\[\]/g, '').split('.');
  let parent = schema;
  for (const key of keys.slice(0, -1)) parent = parent.properties?.[key] ?? {};
  const key = keys.at(-1) ?? '';
  return { node: parent.properties?.[key], parent, key };
}

const exampleLine = (section('## An example line', 'The same, indented').match(/```json\n(.+)\n```/)?.[1] ??
  '') as string;

describe('the published feedback schema', () => {
  it('is the one the engine derives from its code (regenerate: npm run -s engine -- feedback schema)', () => {
    expect(publishedFeedbackSchema).toEqual(feedbackJsonSchema());
  });

  it('has every field of docs/feedback.md and no other, at the top level and in decision', () => {
    const documented = rows.flatMap((r) => r.names.map((n) => n.replace(/\[\]/g, ''))).sort();
    const inSchema = [
      ...Object.keys(schema.properties ?? {}),
      ...Object.keys(schema.properties?.decision?.properties ?? {}).map((k) => `decision.${k}`),
    ].sort();
    expect(documented).toEqual(inSchema);
  });

  it('makes optional exactly what the table says is optional', () => {
    for (const { names, type } of rows) {
      for (const name of names) {
        const { parent, key } = nodeAt(name);
        const optional =
          names.length === 1 ? /\boptional\b/.test(type) : type.includes(`\`${name}\` optional`);
        expect(parent.required?.includes(key), `${name}: ${type}`).toBe(!optional);
      }
    }
  });

  it('has the sub-fields, enums and constants the table gives', () => {
    let checked = 0;
    for (const { names, type } of rows) {
      const [name] = names;
      const { node } = nodeAt(name ?? '');
      const braces = type.match(/^`\{([^}]*)\}`/)?.[1];
      if (braces !== undefined) {
        const target = name?.endsWith('[]') ? node?.items : node;
        const fields = braces.split(',').map((f) => f.trim());
        expect(Object.keys(target?.properties ?? {}).sort(), name).toEqual(
          fields.map((f) => f.replace(/\?$/, '')).sort(),
        );
        expect([...(target?.required ?? [])].sort(), name).toEqual(
          fields.filter((f) => !f.endsWith('?')).sort(),
        );
        checked++;
      }
      const constant = type.match(/^`"([^"]+)"`$/)?.[1];
      if (constant !== undefined) {
        expect(node?.const, name).toBe(constant);
        checked++;
      }
      if (/^`[a-z-]+`( \\\| `[a-z-]+`)+$/.test(type)) {
        expect(node?.enum, name).toEqual([...type.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
        checked++;
      }
    }
    // episode, policy, target, rules, ml, prediction, features, actions; two constants; outcome.
    expect(checked).toBe(11);
  });

  it('accepts the example line of docs/feedback.md', () => {
    expect(exampleLine).not.toBe('');
    expect(publishedSchemaProblems(JSON.parse(exampleLine))).toEqual([]);
  });

  it('rejects lines that break it: the check is not vacuous', () => {
    const line = JSON.parse(exampleLine);
    const broken = [
      { ...line, outcome: 'expected' },
      { ...line, decision: { ...line.decision, features: [{ pod: 'p', values: [1, 2, 3] }] } },
      { ...line, decision: { ...line.decision, featureSchemaVersion: 'v2' } },
      (({ outcome: _, ...rest }) => rest)(line),
      { ...line, actions: [{ step: 'roll', action: 'RolloutRestart', time: 't', result: 'Done' }] },
    ];
    for (const b of broken) expect(publishedSchemaProblems(b)).not.toEqual([]);
    // Additive fields are tolerated: a consumer's copy of v1 keeps accepting lines after such a change.
    expect(publishedSchemaProblems({ ...line, addedLater: true })).toEqual([]);
  });
});
