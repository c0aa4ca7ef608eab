import { createHash } from 'node:crypto';
import { jidDecode } from 'baileys';

/** The domain WhatsApp uses for phone-number users. */
export const PN_SERVER = 's.whatsapp.net';
/** The server's own jid, the `from` of every server-originated stanza. */
export const SERVER_JID = 's.whatsapp.net';

/**
 * Accepts '+9665…', '9665…' or a jid and returns the bare digits, or null when the
 * input cannot be a phone number (E.164 allows at most 15 digits).
 */
export function toDigits(input: string): string | null {
  const user = input.trim().split('@')[0]?.split(':')[0] ?? '';
  const digits = user.startsWith('+') ? user.slice(1) : user;
  return /^[1-9]\d{5,14}$/.test(digits) ? digits : null;
}

export function toE164(digits: string): string {
  return `+${digits}`;
}

export function pnJid(digits: string, device = 0): string {
  return device ? `${digits}:${device}@${PN_SERVER}` : `${digits}@${PN_SERVER}`;
}

export function lidJid(lidUser: string, device = 0): string {
  return device ? `${lidUser}:${device}@lid` : `${lidUser}@lid`;
}

/**
 * A stable LID user for a phone number. WhatsApp assigns LIDs randomly; deriving them
 * from the number keeps them stable across emulator restarts, so a client's stored
 * LID mappings stay true.
 */
export function lidUserFor(digits: string): string {
  const hash = createHash('sha256').update(`wa-emulator-lid:${digits}`).digest();
  const n = hash.readBigUInt64BE(0) % 10n ** 14n;
  return `1${n.toString().padStart(14, '0')}`;
}

export interface ParsedJid {
  user: string;
  device: number;
  server: string;
  isLid: boolean;
}

export function parseJid(jid: string | undefined): ParsedJid | null {
  if (!jid) return null;
  const decoded = jidDecode(jid);
  if (!decoded?.user) return null;
  return {
    user: decoded.user,
    device: decoded.device ?? 0,
    server: decoded.server,
    isLid: decoded.server === 'lid',
  };
}
