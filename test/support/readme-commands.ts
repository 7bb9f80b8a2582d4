/**
 * The shell commands of the README's marked blocks: every ```sh block that follows a `<!-- local-path -->` comment,
 * in order, one entry per command as a user would type it (backslash continuations joined, comment and blank
 * lines dropped).
 */
export const LOCAL_PATH_MARKER = '<!-- local-path -->';

export function markedShellBlocks(markdown: string, marker = LOCAL_PATH_MARKER): string[] {
  const blocks: string[] = [];
  let at = markdown.indexOf(marker);
  while (at >= 0) {
    const open = markdown.indexOf('```sh\n', at);
    const close = open < 0 ? -1 : markdown.indexOf('\n```', open + 6);
    if (open < 0 || close < 0) throw new Error(`${marker} at offset ${at} is not followed by a sh block`);
    // The block must follow the marker directly (blank lines allowed), so a marker never claims a later block.
    if (markdown.slice(at + marker.length, open).trim() !== '') {
      throw new Error(`${marker} at offset ${at} is followed by text before its sh block`);
    }
    blocks.push(markdown.slice(open + 6, close + 1));
    at = markdown.indexOf(marker, close);
  }
  return blocks;
}

export function shellCommands(block: string): string[] {
  const commands: string[] = [];
  let pending = '';
  for (const raw of block.split('\n')) {
    const line = pending === '' ? raw.trim() : raw.trimEnd();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trimEnd()} `;
      continue;
    }
    commands.push(`${pending}${line.trim()}`);
    pending = '';
  }
  if (pending !== '') throw new Error(`the block ends inside a continued command: ${pending}`);
  return commands;
}

/** A command that leaves a process running: it ends with a single `&` (not `&&`). */
export function isBackground(command: string): boolean {
  return /[^&]&$/.test(command.replace(/\s+#.*$/, '').trimEnd());
}

/** The port numbers a command names: after `:` in an address or after a `--…port` flag. */
export function portsIn(text: string): number[] {
  const found = new Set<number>();
  for (const m of text.matchAll(/(?::|port[= ])(\d{4,5})\b/g)) found.add(Number(m[1]));
  return [...found];
}

/** Replaces each port of `map` wherever it stands as a whole number. */
export function substitutePorts(text: string, map: ReadonlyMap<number, number>): string {
  let out = text;
  for (const [from, to] of map) out = out.replace(new RegExp(`\\b${from}\\b`, 'g'), String(to));
  return out;
}
