import type { IncomingMessage, ServerResponse } from 'node:http';
import { ControlError } from './errors.js';
import { toDigits, toE164 } from './jid.js';
import { enterPairingCode } from './link-code.js';
import { announceLidMapping, sendFromContact, type LidAnnouncement, type SenderAddressing } from './outbound.js';
import { retryFromControl } from './retry-receipts.js';
import { scanQr } from './pairing.js';
import type { World } from './world.js';

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_DELAY_MS = 3_600_000;
const MAX_DEVICE = 99;
const MAX_ID_LENGTH = 128;
const MAX_REFUSALS = 10_000;

type Body = Record<string, unknown>;
type Handler = (body: Body) => unknown;

/**
 * The JSON control API under /control: the scripted phone (scan, pairing code, logout),
 * the network (drop, down/up), the account (ban, replace), the world (which numbers
 * exist, receipt timing, forced ack errors, contact devices that can't decrypt and ask
 * for a retry) and what it received.
 */
export function makeControlApi(world: World, rootPublicKey: Buffer) {
  const routes: Record<string, Handler> = {
    'POST /control/scan': async body => {
      const device = await scanQr(world, requireString(body, 'qr'));
      return { ok: true, deviceJid: device.jid };
    },
    'POST /control/pairing-code': async body => {
      const device = await enterPairingCode(world, requireString(body, 'code'));
      return { ok: true, deviceJid: device.jid };
    },
    'POST /control/logout': () => {
      const unlinked = world.unlinkAll().length;
      const closed = live(world, 'device').map(p => p.failure(401)).length;
      return { ok: true, unlinked, closed };
    },
    'POST /control/replace': () => ({ ok: true, closed: live(world, 'device').map(p => p.streamError('conflict')).length }),
    'POST /control/drop': () => ({ ok: true, closed: [...world.peers].map(p => p.terminate()).length }),
    'POST /control/stall': () => ({ ok: true, stalled: [...world.peers].map(p => p.stall()).length }),
    'POST /control/down': () => {
      world.down = true;
      return { ok: true, closed: [...world.peers].map(p => p.terminate()).length };
    },
    'POST /control/up': () => {
      world.down = false;
      return { ok: true };
    },
    'POST /control/ban': () => {
      world.banned = true;
      return { ok: true, closed: live(world, 'device').map(p => p.failure(403)).length };
    },
    'POST /control/unban': () => {
      world.banned = false;
      return { ok: true };
    },
    'PUT /control/numbers': body => {
      world.setOnWhatsApp(parseNumbers(body.onWhatsApp));
      return { ok: true };
    },
    'PUT /control/config': body => {
      applyConfig(world, body);
      return { ok: true, config: { ...world.config } };
    },
    'GET /control/messages': () => ({ messages: world.messages.list() }),
    'DELETE /control/messages': () => {
      world.messages.clear();
      return { ok: true };
    },
    'POST /control/inbound': async body => {
      const sent = await sendFromContact(world, {
        from: requireString(body, 'from'),
        text: requireString(body, 'text'),
        ...optionalString(body, 'name'),
        ...optionalString(body, 'id'),
        addressing: parseAddressing(body.addressing),
      });
      return { ok: true, id: sent.id, lid: sent.lid };
    },
    'POST /control/lid-mapping': async body => ({
      ok: true,
      ...(await announceLidMapping(world, requireString(body, 'phone'), parseAnnouncement(body.via))),
    }),
    'GET /control/inbound': () => ({ messages: world.inbound.list() }),
    'DELETE /control/inbound': () => {
      world.inbound.clear();
      return { ok: true };
    },
    'POST /control/refuse': body => {
      const digits = requireContact(world, body);
      const device = optionalDevice(body);
      const ids = optionalIds(body);
      const next = optionalCount(body, 'next');
      if (ids.length === 0 && next === 0) throw new ControlError(400, 'name "messageIds" or a "next" count above 0');
      if (device !== 0) world.contacts.addCompanion(digits, device);
      world.contacts.retries.refuse(digits, device, ids, next);
      return { ok: true, contact: toE164(digits), device };
    },
    'POST /control/retry': body => {
      if (body.keys !== undefined && typeof body.keys !== 'boolean') throw new ControlError(400, '"keys" must be true or false');
      if (body.lid !== undefined && typeof body.lid !== 'boolean') throw new ControlError(400, '"lid" must be true or false');
      const retry = retryFromControl(world, {
        digits: requireContact(world, body),
        device: optionalDevice(body),
        messageId: requireString(body, 'id'),
        withKeys: body.keys as boolean | undefined,
        lid: body.lid === true,
      });
      return { ok: true, retry };
    },
    'GET /control/retries': () => ({ retries: world.contacts.retries.list() }),
    'DELETE /control/retries': () => {
      world.contacts.retries.clear();
      return { ok: true };
    },
    'GET /control/state': () => state(world),
    'GET /control/cert': () => ({ rootPublicKey: rootPublicKey.toString('base64') }),
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    const handler = routes[`${req.method ?? 'GET'} ${path}`];
    try {
      if (!handler) {
        const known = Object.keys(routes).some(route => route.endsWith(` ${path}`));
        throw new ControlError(known ? 405 : 404, known ? `method ${req.method} not allowed` : `no such route: ${path}`);
      }
      const body = req.method === 'POST' || req.method === 'PUT' ? await readJson(req) : {};
      reply(res, 200, await handler(body));
    } catch (err) {
      if (err instanceof ControlError) {
        reply(res, err.status, { error: err.message });
      } else {
        world.log.error({ err, path }, 'control request failed');
        reply(res, 500, { error: err instanceof Error ? err.message : 'internal error' });
      }
    }
  };
}

function live(world: World, state: 'device' | 'registering') {
  return [...world.peers].filter(p => p.state === state && p.isOpen);
}

function state(world: World) {
  const waiting = live(world, 'registering').filter(p => !p.registration?.pairing);
  const latestDevice = [...world.devices.values()].at(-1);
  return {
    phone: world.e164,
    linked: world.devices.size > 0,
    deviceJid: latestDevice?.jid ?? null,
    connections: [...world.peers].filter(p => p.isOpen).length,
    waitingForScan: waiting.length > 0,
    // Baileys rotates through the refs locally; every ref stays valid while the socket lives.
    qrRef: waiting.at(-1)?.registration?.refs[0] ?? null,
    down: world.down,
    banned: world.banned,
    loginAttempts: world.loginAttempts,
  };
}

function parseNumbers(value: unknown): string[] | null {
  if (value === '*') return null;
  if (!Array.isArray(value)) throw new ControlError(400, 'onWhatsApp must be "*" or an array of phone numbers');
  const digits = value.map(v => (typeof v === 'string' ? toDigits(v) : null));
  const bad = value.filter((_, i) => digits[i] === null);
  if (bad.length) throw new ControlError(400, `not phone numbers: ${JSON.stringify(bad)}`);
  return digits as string[];
}

function applyConfig(world: World, body: Body): void {
  const next = { ...world.config };
  for (const key of ['deliveredDelayMs', 'readDelayMs', 'ackDelayMs'] as const) {
    if (body[key] === undefined) continue;
    const value = body[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_DELAY_MS) {
      throw new ControlError(400, `${key} must be an integer between 0 and ${MAX_DELAY_MS}`);
    }
    next[key] = value;
  }
  if (body.ackError !== undefined) {
    const value = body.ackError;
    if (value !== null && (typeof value !== 'number' || !Number.isInteger(value) || value < 100 || value > 999)) {
      throw new ControlError(400, 'ackError must be null or a 3-digit error code such as 463');
    }
    next.ackError = value;
  }
  Object.assign(world.config, next);
}

/** A contact's number ("contact"): another number than the phone's, on WhatsApp. */
function requireContact(world: World, body: Body): string {
  const digits = toDigits(requireString(body, 'contact'));
  if (!digits) throw new ControlError(400, '"contact" is not a phone number');
  if (digits === world.digits) throw new ControlError(400, '"contact" must be another number than the phone itself');
  if (!world.isOnWhatsApp(digits)) throw new ControlError(409, `${toE164(digits)} is not on WhatsApp`);
  return digits;
}

/** A contact's device: 0 (default) is its phone, 1–99 a companion such as WhatsApp Web. */
function optionalDevice(body: Body): number {
  const value = body.device ?? 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_DEVICE) {
    throw new ControlError(400, `"device" must be an integer from 0 to ${MAX_DEVICE}`);
  }
  return value;
}

function optionalIds(body: Body): string[] {
  const value = body.messageIds ?? [];
  if (!Array.isArray(value) || !value.every(id => typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH)) {
    throw new ControlError(400, '"messageIds" must be an array of message ids');
  }
  return value as string[];
}

function optionalCount(body: Body, key: string): number {
  const value = body[key] ?? 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_REFUSALS) {
    throw new ControlError(400, `"${key}" must be an integer from 0 to ${MAX_REFUSALS}`);
  }
  return value;
}

const ADDRESSING: readonly SenderAddressing[] = ['pn', 'lid', 'lid-only'];

function parseAddressing(value: unknown): SenderAddressing {
  if (value === undefined) return 'pn';
  const known = ADDRESSING.find(a => a === value);
  if (!known) throw new ControlError(400, `"addressing" must be one of ${ADDRESSING.join(', ')}`);
  return known;
}

function parseAnnouncement(value: unknown): LidAnnouncement {
  if (value === undefined || value === 'notification') return 'notification';
  if (value === 'history') return 'history';
  throw new ControlError(400, '"via" must be "notification" or "history"');
}

function optionalString<K extends string>(body: Body, key: K): Partial<Record<K, string>> {
  return body[key] === undefined ? {} : ({ [key]: requireString(body, key) } as Record<K, string>);
}

function requireString(body: Body, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value.length === 0) throw new ControlError(400, `"${key}" must be a non-empty string`);
  return value;
}

async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ControlError(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ControlError(400, 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ControlError(400, 'body must be a JSON object');
  }
  return parsed as Body;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
