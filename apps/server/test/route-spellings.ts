// The spellings an attacker tries to make a router and a guard disagree about a path:
// every one of them must reach the same decision as the path itself.

const hex = (char: string, lower = false): string => {
  const code = [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  return lower ? code : code.toUpperCase();
};

/** `path` with the character at `index` percent-encoded. */
function encodeAt(path: string, index: number, lower = false): string {
  return path.slice(0, index) + hex(path[index]!, lower) + path.slice(index + 1);
}

/**
 * Other spellings of one concrete path (`/api/users`): each character percent-encoded
 * (upper- and lower-case hex, and encoded twice), case changes, dot segments (plain and
 * encoded), doubled and trailing slashes, `;` parameters, encoded slashes and
 * backslashes, trailing junk, and detours through the public routes.
 */
export function spellingsOf(path: string, publicPrefixes: string[]): string[] {
  const spellings = new Set<string>();
  const segments = path.split('/').slice(1);
  // Percent-encoding of each character, one at a time, then whole segments.
  for (let i = 1; i < path.length; i += 1) {
    if (path[i] === '/') continue;
    spellings.add(encodeAt(path, i));
    if (/[a-z]/.test(path[i]!)) spellings.add(encodeAt(path, i, true));
  }
  spellings.add(`/${segments.map((segment) => [...segment].map((char) => hex(char)).join('')).join('/')}`);
  spellings.add(path.replace(/[a-z]/, (char) => `%25${hex(char).slice(1)}`)); // %2561: encoded twice
  // Case changes.
  spellings.add(path.toUpperCase());
  for (let i = 0; i < segments.length; i += 1) {
    spellings.add(`/${segments.map((segment, j) => (j === i ? segment.charAt(0).toUpperCase() + segment.slice(1) : segment)).join('/')}`);
  }
  // Dot segments, doubled slashes, parameters, encoded slashes, at every slash.
  for (let i = 0; i < segments.length; i += 1) {
    const before = `/${segments.slice(0, i).join('/')}${i > 0 ? '/' : ''}`;
    const after = segments.slice(i).join('/');
    spellings.add(`${before}./${after}`);
    spellings.add(`${before}%2e/${after}`);
    spellings.add(`${before}x/../${after}`);
    spellings.add(`${before}x/%2e%2e/${after}`);
    spellings.add(`${before}x/%2E%2E%2f${after}`);
    spellings.add(`${before}/${after}`);
    spellings.add(`/${segments.map((segment, j) => (j === i ? `${segment};x=1` : segment)).join('/')}`);
    if (i > 0) {
      spellings.add(`${before.slice(0, -1)}%2f${after}`);
      spellings.add(`${before.slice(0, -1)}%2F${after}`);
      spellings.add(`${before.slice(0, -1)}\\${after}`);
      spellings.add(`${before.slice(0, -1)}%5c${after}`);
    }
  }
  for (const suffix of ['/', '//', '/.', '%00', '%20', '.', '%23x', '?', '#', '?a=1&a=2', ';', '%3b']) spellings.add(`${path}${suffix}`);
  spellings.add(`//${path.slice(1)}`);
  // Detours through routes that are public.
  for (const prefix of publicPrefixes) {
    const ups = '../'.repeat(prefix.split('/').length);
    spellings.add(`${prefix}/${ups}${path.slice(1)}`);
    spellings.add(`${prefix}/${ups.replace(/\//g, '%2f')}${path.slice(1)}`);
    spellings.add(`${prefix}/%2e%2e/${'%2e%2e/'.repeat(prefix.split('/').length)}${path.slice(1)}`);
    spellings.add(`${prefix}?${path}`);
    spellings.add(`${prefix}%00${path}`);
  }
  spellings.delete(path);
  return [...spellings];
}

/** A concrete path for a route's URL pattern (`:id` and wildcards filled in). */
export function concretePath(url: string, id = 'default'): string {
  return url.replace(/:[A-Za-z]+/g, id).replace(/\*/g, 'x');
}
