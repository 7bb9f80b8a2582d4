import { dnsLabelProblem, dnsSubdomainProblem } from '../kube/names.js';
import { parseDuration } from '../policy/duration.js';

/** The parsers of engine settings (src/config/settings.ts): each throws a message saying what was expected. */

export const port = (raw: string) => {
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw.trim()) || n > 65535)
    throw new Error(`expected a port number 0-65535, got "${raw}"`);
  return n;
};
export const positiveInt = (raw: string) => {
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw.trim()) || n < 1) throw new Error(`expected a positive integer, got "${raw}"`);
  return n;
};
export const duration = (raw: string) => {
  const ms = parseDuration(raw.trim());
  if (ms <= 0) throw new Error(`expected a positive duration, got "${raw}"`);
  return ms;
};
export const queryOffset = (raw: string) => {
  const ms = parseDuration(raw.trim());
  if (ms > 300_000) throw new Error(`expected at most 5m (older data is judged as current), got "${raw}"`);
  return ms;
};
export const url = (raw: string) => {
  const parsed = new URL(raw);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`expected an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
};
export const bool = (raw: string) => {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new Error(`expected true or false, got "${raw}"`);
};
export const nonEmpty = (raw: string) => {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw.trim();
};
export const oneOf =
  <T extends string>(values: readonly T[]) =>
  (raw: string): T => {
    if (!(values as readonly string[]).includes(raw))
      throw new Error(`expected one of ${values.join(', ')}, got "${raw}"`);
    return raw as T;
  };
const checked = (problem: (value: string) => string | undefined) => (raw: string) => {
  const value = raw.trim();
  const why = problem(value);
  if (why) throw new Error(why);
  return value;
};
export const namespaceName = checked(dnsLabelProblem);
export const objectName = checked(dnsSubdomainProblem);
/**
 * Comma-separated namespaces. An empty list or entry is refused rather than dropped: `--namespaces "$NS"` with NS
 * unset would otherwise widen the engine to every namespace, and `a,,b` or a trailing comma is usually a typo.
 */
export const namespaceList = (whenEmpty: string) => (raw: string) => {
  const items = raw.split(',').map((item) => item.trim());
  if (items.every((item) => item === '')) throw new Error(`names no namespace; ${whenEmpty}`);
  // In order, so the first mistake is the one reported.
  for (const item of items) {
    if (item === '') throw new Error(`"${raw}" has an empty entry (a stray comma?)`);
    namespaceName(item);
  }
  return [...new Set(items)];
};
