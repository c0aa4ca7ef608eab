/**
 * Where to go after logging in: `?next=` when it is a path on this origin (the API docs
 * send people to the login page and expect them back), otherwise null — never another
 * site (`//evil.example`, `/\evil.example`, `https://…`), never the login page itself.
 */
export function returnPath(search: string, origin: string): string | null {
  const next = new URLSearchParams(search).get('next');
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  try {
    const url = new URL(next, origin);
    return url.origin === origin && !url.pathname.startsWith('/login') ? `${url.pathname}${url.search}${url.hash}` : null;
  } catch {
    return null;
  }
}
