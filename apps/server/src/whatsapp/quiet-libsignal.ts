/**
 * libsignal (under Baileys) prints session records to the console when sessions open,
 * close or fail to decrypt — private keys included, and outside our logger. This drops
 * exactly those lines (matched by their fixed opening words) and leaves every other
 * console call alone. Installed once, when the Baileys adapter is loaded.
 */
const LIBSIGNAL_LINES = [
  'Closing session',
  'Closing open session',
  'Closing stale open session',
  'Opening session',
  'Removing old closed session',
  'Session already closed',
  'Session already open',
  'Migrating session to',
  'Decrypted message with closed session',
  'Failed to decrypt message with any known session',
  'Session error:',
  'V1 session storage migration error',
  'Unhandled bucket type',
];

const INSTALLED = Symbol.for('wasla.quietLibsignal');

export function isLibsignalLine(first: unknown): boolean {
  return typeof first === 'string' && LIBSIGNAL_LINES.some((start) => first.startsWith(start));
}

export function quietLibsignal(): void {
  const marked = console as unknown as Record<symbol, boolean>;
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;
  for (const method of ['log', 'info', 'warn', 'error'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      if (!isLibsignalLine(args[0])) original(...args);
    };
  }
}
