/**
 * The CEL environment x-kubernetes-validations rules run in: `self` and `oldSelf` (dynamically typed, since the
 * sandbox does not derive CEL types from the schema), the standard library of @marcbachmann/cel-js, and the
 * Kubernetes list, regex and string extensions that library lacks. Compile errors are rendered the way cel-go
 * prints its issues (`ERROR: <input>:1:10: ...` with the source line and a caret), which the apiserver quotes.
 */
import { Environment } from '@marcbachmann/cel-js';

/** A compiled expression: evaluate it with the activation's variables. */
export type CelProgram = (vars: Record<string, unknown>) => unknown;

export type CompileResult =
  | { ok: true; program: CelProgram; resultType: string; usesOldSelf: boolean }
  | { ok: false; error: string; unsupportedFunction?: string };

/**
 * Kubernetes CEL library functions the sandbox cannot evaluate (quantity, url, ip, cidr, semver, format,
 * authorizer...). A rule calling one is accepted with its CRD, as the apiserver would, and then not evaluated:
 * refusing a CRD a real cluster takes would be worse than missing one rule.
 */
const KUBERNETES_ONLY_FUNCTIONS = new Set([
  'quantity',
  'isQuantity',
  'url',
  'isURL',
  'ip',
  'isIP',
  'cidr',
  'isCIDR',
  'semver',
  'isSemver',
  'format',
  'authorizer',
  'reverse',
  'sets.contains',
  'sets.equivalent',
  'sets.intersects',
  'base64.encode',
  'base64.decode',
]);

const compare = (a: unknown, b: unknown): number =>
  (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;

function goRegexp(pattern: string, flags = ''): RegExp {
  // RE2 and JavaScript agree on the syntax rules use in practice; (?i) is the one flag written inline.
  const inline = /^\(\?([imsU]+)\)/.exec(pattern);
  if (!inline) return new RegExp(pattern, `u${flags}`);
  const extra = (inline[1] ?? '').replace(/U/g, '');
  return new RegExp(pattern.slice(inline[0].length), `u${flags}${extra}`);
}

function listExtreme(list: unknown[], sign: 1 | -1): unknown {
  if (list.length === 0) throw new Error('min/max called on an empty list');
  return list.reduce((best, v) => (compare(v, best) * sign > 0 ? v : best));
}

function buildEnvironment(): Environment {
  return (
    // Optional types (`self.?x.orValue(1)`) are part of the apiserver's CEL environment since 1.29.
    new Environment({ enableOptionalTypes: true })
      .registerVariable('self', 'dyn')
      .registerVariable('oldSelf', 'dyn')
      // Kubernetes' lists library.
      .registerFunction('list.isSorted(): bool', (l: unknown[]) =>
        l.every((v, i) => i === 0 || compare(l[i - 1], v) <= 0),
      )
      .registerFunction('list.sum(): dyn', (l: unknown[]) =>
        l.reduce((a, b) => (a as number) + (b as number), typeof l[0] === 'bigint' ? 0n : 0),
      )
      .registerFunction('list.min(): dyn', (l: unknown[]) => listExtreme(l, -1))
      .registerFunction('list.max(): dyn', (l: unknown[]) => listExtreme(l, 1))
      .registerFunction('list.indexOf(dyn): int', (l: unknown[], v: unknown) => BigInt(l.indexOf(v)))
      .registerFunction('list.lastIndexOf(dyn): int', (l: unknown[], v: unknown) => BigInt(l.lastIndexOf(v)))
      // Kubernetes' regex library.
      .registerFunction(
        'string.find(string): string',
        (s: string, re: string) => goRegexp(re).exec(s)?.[0] ?? '',
      )
      .registerFunction('string.findAll(string): list<string>', (s: string, re: string) =>
        [...s.matchAll(goRegexp(re, 'g'))].map((m) => m[0]),
      )
      .registerFunction('string.findAll(string, int): list<string>', (s: string, re: string, n: bigint) => {
        const all = [...s.matchAll(goRegexp(re, 'g'))].map((m) => m[0]);
        return n < 0n ? all : all.slice(0, Number(n));
      })
      // cel-go's strings extension, as enabled in the apiserver.
      .registerFunction('string.charAt(int): string', (s: string, i: bigint) => [...s][Number(i)] ?? '')
      .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) =>
        s.split(a).join(b),
      )
      .registerFunction(
        'string.replace(string, string, int): string',
        (s: string, a: string, b: string, n: bigint) => {
          const parts = s.split(a);
          if (n < 0n || Number(n) >= parts.length - 1) return parts.join(b);
          return parts.slice(0, Number(n) + 1).join(b) + a + parts.slice(Number(n) + 1).join(a);
        },
      )
  );
}

let environment: Environment | undefined;
function env(): Environment {
  environment ??= buildEnvironment();
  return environment;
}

interface CelErrorLike {
  message?: string;
  node?: { pos?: number };
  range?: { start?: number };
}

/** cel-go's rendering of one issue: `ERROR: <input>:line:col: message`, the source line, and a caret under it. */
export function formatCelIssue(source: string, err: unknown): string {
  const e = (err ?? {}) as CelErrorLike;
  const message = firstLine(e.message ?? String(err));
  const offset = e.range?.start ?? e.node?.pos;
  if (typeof offset !== 'number') return `ERROR: <input>:1:1: ${message}`;
  const before = source.slice(0, offset).split('\n');
  const line = before.length;
  const column = (before[before.length - 1] ?? '').length;
  const text = source.split('\n')[line - 1] ?? '';
  return `ERROR: <input>:${line}:${column + 1}: ${message}\n | ${text}\n | ${'.'.repeat(column)}^`;
}

export function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? '';
}

function referencesOldSelf(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(referencesOldSelf);
  if (node === null || typeof node !== 'object') return false;
  const n = node as { op?: string; args?: unknown };
  if (n.op === 'id') return n.args === 'oldSelf';
  return referencesOldSelf(n.args);
}

/** Parses and type-checks one expression against the rule environment. Never throws. */
export function compileCel(source: string): CompileResult {
  try {
    const parsed = env().parse(source);
    const checked = parsed.check();
    if (!checked.valid) {
      const error = formatCelIssue(source, checked.error);
      const called = /found no matching overload for '(?:[a-z<>, ]+\.)?([\w.]+)\(/.exec(
        firstLine(checked.error?.message ?? ''),
      );
      const name = called?.[1];
      return name && KUBERNETES_ONLY_FUNCTIONS.has(name)
        ? { ok: false, error, unsupportedFunction: name }
        : { ok: false, error };
    }
    const program: CelProgram = (vars) => parsed(vars);
    return {
      ok: true,
      program,
      resultType: String(checked.type),
      usesOldSelf: referencesOldSelf(parsed.ast),
    };
  } catch (err) {
    return { ok: false, error: formatCelIssue(source, err) };
  }
}

/**
 * cel-go's wording for a runtime error, which the apiserver puts in front of `evaluating rule: ...`
 * (`no such key: replicas`). The library says the same things with other capitals and a source excerpt.
 */
export function runtimeErrorText(err: unknown): string {
  const message = firstLine(err instanceof Error ? err.message : String(err));
  if (/^No such key: index out of bounds/.test(message)) return message.replace(/^No such key: /, '');
  if (/^No such key: /.test(message)) return message.replace(/^No such key: /, 'no such key: ');
  return message;
}
