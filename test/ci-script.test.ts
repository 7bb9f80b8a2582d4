import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = readFileSync(resolve(import.meta.dirname, '../.ci/run'), 'utf8');
/** The commands, without comments (which may well say what the script never does). */
const commands = script
  .split('\n')
  .map((line) => line.replace(/(^|\s)#.*$/, ''))
  .join('\n');

describe('.ci/run', () => {
  it('never stops or kills a process: it did not start any (policy-rc.d keeps the package service from starting)', () => {
    expect(commands).not.toMatch(/\b(kill|pkill|killall|fuser|skill)\b/);
    expect(commands).not.toMatch(/\bsystemctl\b|\bservice\s+\S+\s+stop\b|invoke-rc\.d/);
    expect(commands).toMatch(/exit 101/);
  });

  it('removes policy-rc.d only if it created it, also when the install fails', () => {
    expect(commands).toMatch(/if \[ ! -e \/usr\/sbin\/policy-rc\.d \]; then/);
    expect(commands).toMatch(/trap 'rm -f \/usr\/sbin\/policy-rc\.d' EXIT/);
    expect(commands).toMatch(/if \[ "\$created_policy_rc" = 1 \]; then rm -f \/usr\/sbin\/policy-rc\.d/);
  });
});
