/**
 * CRD `pattern`s are Go RE2 regular expressions. Most are valid JavaScript too; this bridges the common gaps so
 * a CRD the apiserver accepts is not rejected here: leading flag groups like `(?i)`, `\A`/`\z` anchors, POSIX
 * classes such as `[[:alnum:]]`, and identity escapes (`\-`, `\_`) that Unicode-mode JavaScript refuses.
 */
const POSIX: Record<string, string> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: ' \\t',
  digit: '0-9',
  lower: 'a-z',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: 'A-Za-z0-9_',
  xdigit: '0-9A-Fa-f',
};

export function compileGoRegexp(pattern: string): RegExp {
  let source = pattern;
  let flags = '';
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    source = source.slice(lead[0].length);
    for (const f of lead[1] ?? '') if (f !== 'U' && !flags.includes(f)) flags += f;
  }
  source = source
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$')
    .replace(/\[:(\^?)([a-z]+):\]/g, (whole, negated: string, name: string) => {
      const cls = POSIX[name];
      return cls === undefined || negated ? whole : cls;
    });
  try {
    return new RegExp(source, `${flags}u`);
  } catch {
    // Non-Unicode mode accepts identity escapes of punctuation, as RE2 does.
    return new RegExp(source, flags);
  }
}

const cache = new Map<string, RegExp | null>();

/** compileGoRegexp, memoised; null when the pattern does not compile. */
export function cachedGoRegexp(pattern: string): RegExp | null {
  let re = cache.get(pattern);
  if (re === undefined) {
    try {
      re = compileGoRegexp(pattern);
    } catch {
      re = null;
    }
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}
