import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import {
  evaluateJsonPath,
  formatAge,
  JsonPathError,
  parseJsonPath,
  printerColumnCell,
  runJsonPath,
} from '../../src/sandbox/jsonpath.js';

const pod: JsonObject = {
  metadata: {
    name: 'web-1',
    labels: { app: 'web', 'app.kubernetes.io/name': 'shop' },
    annotations: { 'example.com/owner': 'team-a' },
    creationTimestamp: '2024-05-01T10:00:00Z',
  },
  spec: {
    replicas: 3,
    containers: [
      { name: 'web', image: 'nginx', ports: [{ containerPort: 80 }, { containerPort: 443 }] },
      { name: 'sidecar', image: 'busybox' },
    ],
  },
  status: {
    phase: 'Running',
    ready: true,
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'False', priority: 2 },
      { type: 'Initialized', status: 'True', priority: 5 },
    ],
  },
};

const eval_ = (expr: string) => evaluateJsonPath(pod, expr);

describe('evaluateJsonPath', () => {
  it('reads dotted fields with or without braces and $', () => {
    expect(eval_('.spec.replicas')).toEqual([3]);
    expect(eval_('{.status.phase}')).toEqual(['Running']);
    expect(eval_('{$.metadata.name}')).toEqual(['web-1']);
    expect(eval_('.')).toEqual([pod]);
  });

  it('indexes, slices and wildcards arrays', () => {
    expect(eval_('.spec.containers[0].name')).toEqual(['web']);
    expect(eval_('.spec.containers[-1].name')).toEqual(['sidecar']);
    expect(eval_('.spec.containers[*].image')).toEqual(['nginx', 'busybox']);
    expect(eval_('.spec.containers[0,1].name')).toEqual(['web', 'sidecar']);
    expect(eval_('.status.conditions[0:2].type')).toEqual(['PodScheduled', 'Ready']);
    expect(eval_('.status.conditions[::2].type')).toEqual(['PodScheduled', 'Initialized']);
    expect(eval_('.spec.containers[*].ports[*].containerPort')).toEqual([80, 443]);
    expect(eval_('.metadata.labels.*')).toEqual(['web', 'shop']);
  });

  it('filters array items', () => {
    expect(eval_('.status.conditions[?(@.type=="Ready")].status')).toEqual(['False']);
    expect(eval_(".status.conditions[?(@.status == 'True')].type")).toEqual(['PodScheduled', 'Initialized']);
    expect(eval_('.status.conditions[?(@.priority > 2)].type')).toEqual(['Initialized']);
    expect(eval_('.status.conditions[?(@.priority)].type')).toEqual(['Ready', 'Initialized']);
    expect(eval_('.status.conditions[?(@.type!="Ready")].type')).toEqual(['PodScheduled', 'Initialized']);
  });

  it('reads keys containing dots via quotes or escapes', () => {
    expect(eval_(".metadata.labels['app.kubernetes.io/name']")).toEqual(['shop']);
    expect(eval_('.metadata.labels["app.kubernetes.io/name"]')).toEqual(['shop']);
    expect(eval_('.metadata.annotations.example\\.com/owner')).toEqual(['team-a']);
  });

  it('finds values by recursive descent', () => {
    expect(eval_('..containerPort')).toEqual([80, 443]);
    expect(eval_('.spec..name')).toEqual(['web', 'sidecar']);
  });

  it('yields nothing for missing keys and out-of-range indices', () => {
    expect(eval_('.spec.missing')).toEqual([]);
    expect(eval_('.spec.containers[5].name')).toEqual([]);
    expect(eval_('.status.phase.deeper')).toEqual([]);
    expect(eval_('.status.conditions[?(@.type=="Nope")].status')).toEqual([]);
  });

  it('parses once and evaluates many times', () => {
    const steps = parseJsonPath('.metadata.name');
    expect(runJsonPath(steps, { metadata: { name: 'a' } })).toEqual(['a']);
    expect(runJsonPath(steps, { metadata: { name: 'b' } })).toEqual(['b']);
  });

  it('rejects malformed expressions with a message naming them', () => {
    const bad = (expr: string, message: RegExp) => {
      expect(() => eval_(expr)).toThrow(JsonPathError);
      expect(() => eval_(expr)).toThrow(message);
    };
    bad('.spec.containers[0', /unclosed bracket at position 16 in "\.spec\.containers\[0"/);
    bad('{.spec.replicas', /unclosed action/);
    bad('spec.replicas', /must start with '\.' or '\['/);
    bad('', /empty JSONPath expression/);
    bad('.spec.containers[x]', /invalid array index "x"/);
    bad('.status.conditions[?(@.type=="Ready"]', /unclosed bracket|filter must look like/);
    bad('.status.conditions[?(@.type==Ready)]', /unrecognized filter operand "Ready"/);
    bad(".metadata.labels['app]", /unterminated quoted string|unclosed bracket/);
    bad('.spec..', /expected a field name/);
  });
});

describe('printerColumnCell', () => {
  it('converts values to the column type like the apiserver table convertor', () => {
    expect(printerColumnCell(pod, '.spec.replicas', 'integer')).toBe(3);
    expect(printerColumnCell(pod, '.status.ready', 'boolean')).toBe(true);
    expect(printerColumnCell(pod, '.status.phase', 'string')).toBe('Running');
    expect(printerColumnCell(pod, '.spec.replicas', 'string')).toBe('3');
    expect(printerColumnCell(pod, '.metadata.creationTimestamp', 'date')).toBe('2024-05-01T10:00:00Z');
    expect(printerColumnCell(pod, '.status.phase', 'date')).toBe('<invalid>');
    expect(printerColumnCell(pod, '.status.phase', 'integer')).toBeNull();
    expect(printerColumnCell(pod, '.spec.absent', 'string')).toBeNull();
    expect(printerColumnCell(pod, '.spec[', 'string')).toBeNull();
  });
});

describe('formatAge', () => {
  const now = new Date('2024-06-01T00:00:00Z');
  const ago = (seconds: number) => formatAge(new Date(now.getTime() - seconds * 1000), now);

  it('matches kubectl HumanDuration at each boundary', () => {
    expect(ago(0)).toBe('0s');
    expect(ago(45)).toBe('45s');
    expect(ago(119)).toBe('119s');
    expect(ago(120)).toBe('2m');
    expect(ago(5 * 60)).toBe('5m');
    expect(ago(5 * 60 + 7)).toBe('5m7s');
    expect(ago(10 * 60 + 7)).toBe('10m');
    expect(ago(179 * 60)).toBe('179m');
    expect(ago(3 * 3600 + 12 * 60)).toBe('3h12m');
    expect(ago(7 * 3600)).toBe('7h');
    expect(ago(8 * 3600 + 59 * 60)).toBe('8h');
    expect(ago(47 * 3600)).toBe('47h');
    expect(ago(2 * 86400 + 5 * 3600)).toBe('2d5h');
    expect(ago(3 * 86400)).toBe('3d');
    expect(ago(8 * 86400 + 5 * 3600)).toBe('8d');
    expect(ago(400 * 86400)).toBe('400d');
    expect(ago(3 * 365 * 86400 + 10 * 86400)).toBe('3y10d');
    expect(ago(9 * 365 * 86400 + 10 * 86400)).toBe('9y');
  });

  it('tolerates tiny clock skew and flags the rest', () => {
    expect(ago(-1)).toBe('0s');
    expect(ago(-5)).toBe('<invalid>');
  });
});
