import { pino } from 'pino';
import type { Logger } from 'pino';

/**
 * Structured logs. Phone numbers, QR codes, message bodies and secrets are never
 * logged at info; the paths below are redacted in case an object carrying them slips in.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'wasla' },
    redact: {
      paths: ['qr', 'qrCode', 'pairingCode', 'phoneNumber', 'password', 'text', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers.authorization', '*.qrCode', '*.phoneNumber'],
      censor: '[redacted]',
    },
  });
}
