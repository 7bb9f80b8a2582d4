/**
 * The pod-template-hash of a Deployment's ReplicaSets and the hash of a StatefulSet's ControllerRevisions, the way
 * the controllers compute it: FNV-1a (32 bit) over a deterministic rendering of the template plus the collision
 * count, written in decimal and then mapped onto the "safe" alphabet (no vowels, no look-alikes), so names read
 * like `web-6d8f7c9b4`.
 */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with sorted keys: equal objects render equally whatever their key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What the apiserver's typed round trip does to a template, for comparisons: `null`, `{}` and `[]` mean "unset"
 * (kubectl sends `creationTimestamp: null` and `resources: {}` when it writes a template back, as in rollout undo).
 */
export function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalized);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const n = normalized(v);
      if (n === null || n === undefined) continue;
      if (Array.isArray(n) && n.length === 0) continue;
      if (typeof n === 'object' && !Array.isArray(n) && Object.keys(n as object).length === 0) continue;
      out[k] = n;
    }
    return out;
  }
  return value;
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(text, 'utf8');
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function safeEncode(text: string): string {
  let out = '';
  for (const ch of text) out += SAFE_ALPHABET[(ch.codePointAt(0) ?? 0) % SAFE_ALPHABET.length];
  return out;
}

export function computeHash(template: unknown, collisionCount = 0): string {
  const rendered = canonical(template) + (collisionCount > 0 ? `#${collisionCount}` : '');
  return safeEncode(String(fnv1a32(rendered)));
}
