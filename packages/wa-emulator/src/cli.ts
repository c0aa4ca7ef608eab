#!/usr/bin/env node
/**
 * Runs the emulator from the command line:
 *   npm run emulator -- --port 7001 --phone +966501234567 [--phone +966501234568 …]
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { toDigits } from './jid.js';
import { startEmulator } from './index.js';

const USAGE = `usage: npm run emulator -- --port <port> --phone <E.164> [--phone <E.164> …] [--host 127.0.0.1]
                             [--qr-refs 6] [--delivered-ms 50] [--read-ms 100] [--log-level info]

Each --phone is an emulated phone: a WhatsApp account of its own that one client links to.
The first is the default for control calls that name no "phone".`;

function fail(message: string): never {
  process.stderr.write(`wa-emulator: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) fail(`--${name} must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) fail(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      port: { type: 'string' },
      phone: { type: 'string', multiple: true },
      host: { type: 'string', default: '127.0.0.1' },
      'qr-refs': { type: 'string' },
      'delivered-ms': { type: 'string' },
      'read-ms': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (values.port === undefined) fail('--port is required');
const phones = values.phone ?? [];
if (phones.length === 0) fail('--phone is required');
for (const phone of phones) {
  if (!phone.startsWith('+') || !toDigits(phone)) fail(`--phone must be an E.164 number like +966501234567, got "${phone}"`);
}
const twice = phones.find((phone, i) => phones.indexOf(phone) !== i);
if (twice) fail(`--phone ${twice} is given twice`);
const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const logLevel = values['log-level'] ?? 'info';
if (!levels.includes(logLevel)) fail(`--log-level must be one of ${levels.join(', ')}`);

const emulator = await startEmulator({
  host: values.host,
  port: integer('port', values.port, 0, 1, 65_535),
  phones,
  qrRefs: integer('qr-refs', values['qr-refs'], 6, 1, 100),
  deliveredDelayMs: integer('delivered-ms', values['delivered-ms'], 50, 0, 3_600_000),
  readDelayMs: integer('read-ms', values['read-ms'], 100, 0, 3_600_000),
  logger: pino({ level: logLevel }),
}).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));

const rootKey = Buffer.from(emulator.rootPublicKey).toString('base64');
const c = emulator.controlUrl;
process.stdout.write(`WhatsApp emulator for ${emulator.phones.join(', ')}
  WebSocket (Baileys waWebSocketUrl): ${emulator.url}
  control API:                        ${c}/control
  root public key (base64):           ${rootKey}
    trust it in Baileys: WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from('${rootKey}', 'base64')

run Wasla against it:
  WA_SERVER_URL=${emulator.url} WA_SERVER_CERT_KEY=${rootKey} npm start

examples:
  curl -s ${c}/control/state
  curl -s -X POST ${c}/control/scan -H 'content-type: application/json' -d '{"qr":"<the QR string>"}'
  curl -s -X POST ${c}/control/scan -H 'content-type: application/json' -d '{"qr":"<the QR string>","phone":"${emulator.phones.at(-1)}"}'
  curl -s -X POST ${c}/control/phones -H 'content-type: application/json' -d '{"phone":"+966501239999"}'   # one more phone
  curl -s -X POST ${c}/control/pairing-code -H 'content-type: application/json' -d '{"code":"ABCD1234"}'
  curl -s '${c}/control/messages?phone=${encodeURIComponent(emulator.phone)}'   # without ?phone=: the first phone's
  curl -s -X PUT ${c}/control/numbers -H 'content-type: application/json' -d '{"onWhatsApp":["+966500000001"]}'
  curl -s -X PUT ${c}/control/config -H 'content-type: application/json' -d '{"ackError":463}'
  curl -s -X POST ${c}/control/refuse -H 'content-type: application/json' -d '{"contact":"+966500000001","device":2,"next":1}'
  curl -s ${c}/control/retries   # retry receipts sent, and the resends decrypted
  curl -s -X POST ${c}/control/drop    # also: logout, replace, down, up, ban, unban
`);

// A closed pipe (e.g. piped into `head`) must not turn shutdown into a crash.
process.stdout.on('error', () => undefined);
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: shutting down\n`);
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
