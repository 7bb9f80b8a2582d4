import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * docs/reference/remediationpolicy.md documents every field of both policy CRDs: each spec field has a row in its
 * section's table (or, for the fields of a list's entries, is named in that list's row), and each status field a
 * row of the status table. A field added to a CRD without a word in the reference fails here.
 */
type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema };

const doc = readFileSync(new URL('../../docs/reference/remediationpolicy.md', import.meta.url), 'utf8');
const crd = (file: string) => {
  const parsed = parse(readFileSync(new URL(`../../crds/${file}`, import.meta.url), 'utf8'));
  return parsed.spec.versions[0].schema.openAPIV3Schema.properties as { spec: Schema; status: Schema };
};

/** The text from a heading to the next heading of the same or a higher level. */
function section(heading: string): string {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no "${heading}" section`);
  const level = heading.split(' ')[0] ?? '';
  const rest = doc.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`\\n#{1,${level.length}} `));
  return next < 0 ? rest : rest.slice(0, next);
}

/** The table row whose first cell is `name` (backticked). */
const row = (text: string, name: string) =>
  text.split('\n').find((line) => line.startsWith(`| \`${name}\` |`) || line.startsWith(`| \`${name}[]\` |`));

/** Leaf fields (and label selectors, documented as a whole) with their dotted path; list entries as `a[].b`. */
function leaves(schema: Schema, path = ''): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const here = path ? `${path}.${key}` : key;
    const entry = child.items?.properties ? child.items : undefined;
    if (child.properties?.matchLabels) out.push(here);
    else if (child.properties) out.push(...leaves(child, here));
    else if (entry) out.push(here, ...leaves(entry, `${here}[]`));
    else out.push(here);
  }
  return out;
}

/** Where the reference documents a spec field: its section, and its name relative to that section. */
function placeOf(path: string): { heading: string; name: string } {
  const [first = '', ...rest] = path.split('.');
  const sections: Record<string, string> = {
    targets: '### spec.targets',
    detection: '### spec.detection',
    'actions[]': '### spec.actions',
    safety: '### spec.safety',
  };
  const heading = sections[first];
  return heading && rest.length > 0 ? { heading, name: rest.join('.') } : { heading: '## spec', name: path };
}

function undocumented(spec: Schema): string[] {
  return leaves(spec).filter((path) => {
    const { heading, name } = placeOf(path);
    const text = section(heading);
    if (row(text, name)) return false;
    // A field of a list's entries, named in the list's own row (`exclude`: "An entry has `kind`, ...").
    const entry = /^(.*)\[\]\.([^.]+)$/.exec(name);
    return !(entry && row(text, entry[1] ?? '')?.includes(`\`${entry[2]}\``));
  });
}

describe('docs/reference/remediationpolicy.md', () => {
  for (const file of ['remediationpolicy.yaml', 'clusterremediationpolicy.yaml']) {
    it(`documents every spec field of crds/${file}`, () => {
      const { spec } = crd(file);
      const fields = leaves(spec);
      expect(fields.length).toBeGreaterThan(50);
      expect(undocumented(spec)).toEqual([]);
    });

    it(`documents every status field of crds/${file}`, () => {
      const { status } = crd(file);
      const text = section('## status');
      const missing: string[] = [];
      for (const [key, child] of Object.entries(status.properties ?? {})) {
        const line = row(text, key);
        if (!line) missing.push(key);
        for (const sub of Object.keys(child.properties ?? child.items?.properties ?? {}))
          if (!line?.includes(`\`${sub}\``)) missing.push(`${key}.${sub}`);
      }
      expect(missing).toEqual([]);
    });
  }

  it('would notice an undocumented field', () => {
    const spec: Schema = {
      properties: { safety: { properties: { maxUnhealthy: {}, newKnob: { type: 'string' } } } },
    };
    expect(undocumented(spec)).toEqual(['safety.newKnob']);
  });
});
