import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  applyConfig,
  optionalCount,
  optionalDevice,
  optionalIds,
  optionalString,
  parseAddressing,
  parseAnnouncement,
  parseNumbers,
  readJson,
  reply,
  requireString,
  type Body,
} from './control-input.js';
import { ControlError } from './errors.js';
import { lidJid, toDigits, toE164 } from './jid.js';
import { enterPairingCode } from './link-code.js';
import { announceLidMapping, sendFromContact } from './outbound.js';
import { retryFromControl } from './retry-receipts.js';
import { scanQr } from './pairing.js';
import type { Peer, Phone, World } from './world.js';

/** A per-phone control request: its JSON body (empty for GET and DELETE) and its phone. */
interface PhoneRequest {
  body: Body;
  /** The emulated phone the request names with `phone`, or the first one. */
  phone: Phone;
  /** Whether the request named a phone at all. */
  namesPhone: boolean;
}

type PhoneHandler = (request: PhoneRequest) => unknown;
type WorldHandler = (body: Body) => unknown;

/**
 * The JSON control API under /control: the scripted phones (scan, pairing code, logout),
 * the network (drop, down/up), the accounts (ban, replace), the world (which numbers
 * exist, receipt timing, forced ack errors, contact devices that can't decrypt and ask
 * for a retry) and what each phone's account received.
 *
 * Calls about an account take `"phone"` (in the JSON body, or `?phone=` on any method)
 * and default to the first phone; an unknown phone is a 404. Calls about the whole
 * server or world (`down`, `up`, `numbers`, `phones`, `state`, `cert`) refuse a
 * `phone`. `drop` and `stall` cut every socket unless they name a phone.
 */
export function makeControlApi(world: World, rootPublicKey: Buffer) {
  const perPhone: Record<string, PhoneHandler> = {
    'POST /control/scan': async ({ body, phone }) => {
      const device = await scanQr(world, phone, requireString(body, 'qr'));
      return { ok: true, phone: phone.e164, deviceJid: device.jid };
    },
    'POST /control/pairing-code': async ({ body, phone }) => {
      const device = await enterPairingCode(world, phone, requireString(body, 'code'));
      return { ok: true, phone: phone.e164, deviceJid: device.jid };
    },
    'POST /control/logout': ({ phone }) => {
      const unlinked = phone.unlinkAll().length;
      const closed = world.peersOf(phone).map(p => p.failure(401)).length;
      return { ok: true, phone: phone.e164, unlinked, closed };
    },
    'POST /control/replace': ({ phone }) => ({
      ok: true,
      phone: phone.e164,
      closed: world.peersOf(phone).map(p => p.streamError('conflict')).length,
    }),
    'POST /control/drop': request => ({ ok: true, closed: socketsOf(world, request).map(p => p.terminate()).length }),
    'POST /control/stall': request => ({ ok: true, stalled: socketsOf(world, request).map(p => p.stall()).length }),
    'POST /control/ban': ({ phone }) => {
      phone.banned = true;
      return { ok: true, phone: phone.e164, closed: world.peersOf(phone).map(p => p.failure(403)).length };
    },
    'POST /control/unban': ({ phone }) => {
      phone.banned = false;
      return { ok: true, phone: phone.e164 };
    },
    'PUT /control/config': ({ body, phone }) => {
      applyConfig(phone.config, body);
      return { ok: true, phone: phone.e164, config: { ...world.config, ...phone.config } };
    },
    'GET /control/messages': ({ phone }) => ({ phone: phone.e164, messages: phone.messages.list() }),
    'DELETE /control/messages': ({ phone }) => {
      phone.messages.clear();
      return { ok: true, phone: phone.e164 };
    },
    'POST /control/inbound': async ({ body, phone }) => {
      const sent = await sendFromContact(world, phone, {
        from: requireString(body, 'from'),
        text: requireString(body, 'text'),
        ...optionalString(body, 'name'),
        ...optionalString(body, 'id'),
        addressing: parseAddressing(body.addressing),
      });
      return { ok: true, phone: phone.e164, id: sent.id, lid: sent.lid };
    },
    'GET /control/inbound': ({ phone }) => ({ phone: phone.e164, messages: phone.inbound.list() }),
    'DELETE /control/inbound': ({ phone }) => {
      phone.inbound.clear();
      return { ok: true, phone: phone.e164 };
    },
    'POST /control/refuse': ({ body, phone }) => {
      const digits = requireContact(world, phone, body);
      const device = optionalDevice(body);
      const ids = optionalIds(body);
      const next = optionalCount(body, 'next');
      if (ids.length === 0 && next === 0) throw new ControlError(400, 'name "messageIds" or a "next" count above 0');
      if (device !== 0) world.contacts.addCompanion(digits, device);
      phone.retries.refuse(digits, device, ids, next);
      return { ok: true, phone: phone.e164, contact: toE164(digits), device };
    },
    'POST /control/retry': ({ body, phone }) => {
      if (body.keys !== undefined && typeof body.keys !== 'boolean') throw new ControlError(400, '"keys" must be true or false');
      if (body.lid !== undefined && typeof body.lid !== 'boolean') throw new ControlError(400, '"lid" must be true or false');
      const retry = retryFromControl(world, phone, {
        digits: requireContact(world, phone, body),
        device: optionalDevice(body),
        messageId: requireString(body, 'id'),
        withKeys: body.keys as boolean | undefined,
        lid: body.lid === true,
      });
      return { ok: true, phone: phone.e164, retry };
    },
    'GET /control/retries': ({ phone }) => ({ phone: phone.e164, retries: phone.retries.list() }),
    'DELETE /control/retries': ({ phone }) => {
      phone.retries.clear();
      return { ok: true, phone: phone.e164 };
    },
    'POST /control/lid-mapping': ({ body, phone }) => lidMapping(world, body, phone),
  };

  const worldWide: Record<string, WorldHandler> = {
    'POST /control/phones': body => {
      const number = requireString(body, 'phone');
      const digits = toDigits(number);
      if (!digits) throw new ControlError(400, `"phone" is not a phone number: ${number}`);
      if (world.phone(digits)) throw new ControlError(400, `${toE164(digits)} is already an emulated phone`);
      const phone = world.addPhone(digits);
      return { ok: true, phone: phone.e164, lid: lidJid(phone.lidUser) };
    },
    'GET /control/phones': () => ({ phones: world.allPhones().map(phone => phoneState(world, phone)) }),
    'POST /control/down': () => {
      world.down = true;
      return { ok: true, closed: [...world.peers].map(p => p.terminate()).length };
    },
    'POST /control/up': () => {
      world.down = false;
      return { ok: true };
    },
    'PUT /control/numbers': body => {
      world.setOnWhatsApp(parseNumbers(body.onWhatsApp));
      return { ok: true };
    },
    'GET /control/state': () => state(world),
    'GET /control/cert': () => ({ rootPublicKey: rootPublicKey.toString('base64') }),
  };
  // These read the body's `phone` themselves: POST /phones adds it, lid-mapping may name its contact with it.
  const ownPhoneField = new Set(['POST /control/phones', 'POST /control/lid-mapping']);
  const routes: Record<string, unknown> = { ...perPhone, ...worldWide };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    const route = `${req.method ?? 'GET'} ${path}`;
    try {
      if (!(route in routes)) {
        const known = Object.keys(routes).some(each => each.endsWith(` ${path}`));
        throw new ControlError(known ? 405 : 404, known ? `method ${req.method} not allowed` : `no such route: ${path}`);
      }
      const body = req.method === 'POST' || req.method === 'PUT' ? await readJson(req) : {};
      const named = namedPhone(body, url.searchParams, !ownPhoneField.has(route));
      if (named !== undefined && route in worldWide) {
        throw new ControlError(400, `${route} concerns the whole server; it takes no "phone"`);
      }
      const perPhoneHandler = perPhone[route];
      const answer = perPhoneHandler
        ? perPhoneHandler({ body, phone: resolvePhone(world, named), namesPhone: named !== undefined })
        : worldWide[route]!(body);
      reply(res, 200, await answer);
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

/**
 * The `phone` a request names: in the body, or as `?phone=`. Both at once must agree.
 * `fromBody: false` for routes whose body field `phone` means something else.
 */
function namedPhone(body: Body, query: URLSearchParams, fromBody: boolean): string | undefined {
  const inQuery = query.get('phone') ?? undefined;
  const inBody = fromBody && body.phone !== undefined ? requireString(body, 'phone') : undefined;
  if (inQuery !== undefined && inBody !== undefined && toDigits(inQuery) !== toDigits(inBody)) {
    throw new ControlError(400, '"phone" in the query and in the body name different phones');
  }
  return inBody ?? inQuery;
}

/** The emulated phone a request names, or the first one: 400 for a malformed number, 404 for another one. */
function resolvePhone(world: World, named: string | undefined): Phone {
  if (named === undefined) return world.firstPhone;
  // A '+' in a query string reads as a space; toDigits trims it away.
  const digits = toDigits(named);
  if (!digits) throw new ControlError(400, `"phone" is not a phone number: ${named}`);
  const phone = world.phone(digits);
  if (!phone) {
    const phones = world.allPhones().map(p => p.e164).join(', ');
    throw new ControlError(404, `${toE164(digits)} is not an emulated phone (the phones are ${phones})`);
  }
  return phone;
}

/** The sockets `drop` and `stall` act on: the named phone's logged-in ones, or every one. */
function socketsOf(world: World, request: PhoneRequest): Peer[] {
  return request.namesPhone ? world.peersOf(request.phone) : [...world.peers];
}

/**
 * POST /lid-mapping names the contact whose LID is announced. Before there were several
 * phones that was `phone`; it still is when `contact` is absent (the account is then
 * named by `?phone=`, or is the first phone). With `contact`, `phone` names the account,
 * as everywhere else.
 */
async function lidMapping(world: World, body: Body, queried: Phone) {
  const via = parseAnnouncement(body.via);
  const legacy = body.contact === undefined;
  const phone = legacy || body.phone === undefined ? queried : resolvePhone(world, requireString(body, 'phone'));
  const contact = legacy
    ? { field: 'phone', number: requireString(body, 'phone') }
    : { field: 'contact', number: requireString(body, 'contact') };
  const announced = await announceLidMapping(world, phone, contact, via);
  // The old shape answers as before; there `phone` would read as the contact.
  return legacy ? { ok: true, ...announced } : { ok: true, phone: phone.e164, ...announced };
}

function registering(world: World): Peer[] {
  return [...world.peers].filter(p => p.state === 'registering' && p.isOpen && !p.registration?.pairing);
}

/** One phone's account: what it has linked, its live connections, ban and logins. */
function phoneState(world: World, phone: Phone) {
  const devices = [...phone.devices.values()];
  return {
    phone: phone.e164,
    lid: lidJid(phone.lidUser),
    linked: devices.length > 0,
    deviceJid: devices.at(-1)?.jid ?? null,
    devices: devices.map(d => ({ jid: d.jid, online: world.peersOf(phone, d.id).length > 0, pending: d.pending.length })),
    connections: world.peersOf(phone).length,
    banned: phone.banned,
    logins: phone.logins,
    config: { ...phone.config },
  };
}

/**
 * The server and every phone. The top-level `phone`, `linked`, `deviceJid` and `banned`
 * are the first phone's (as before there were several); `connections`, `waitingForScan`,
 * `qrRef`, `down` and `loginAttempts` are the server's: a client waiting for a QR has
 * no account yet.
 */
function state(world: World) {
  const first = phoneState(world, world.firstPhone);
  const waiting = registering(world);
  return {
    phone: first.phone,
    linked: first.linked,
    deviceJid: first.deviceJid,
    connections: [...world.peers].filter(p => p.isOpen).length,
    waitingForScan: waiting.length > 0,
    // Baileys rotates through the refs locally; every ref stays valid while the socket lives.
    qrRef: waiting.at(-1)?.registration?.refs[0] ?? null,
    waitingClients: waiting.length,
    down: world.down,
    banned: first.banned,
    loginAttempts: world.loginAttempts,
    phones: world.allPhones().map(phone => phoneState(world, phone)),
  };
}

/** A contact's number ("contact"): another number than the phone's, on WhatsApp. */
function requireContact(world: World, phone: Phone, body: Body): string {
  const digits = toDigits(requireString(body, 'contact'));
  if (!digits) throw new ControlError(400, '"contact" is not a phone number');
  if (digits === phone.digits) throw new ControlError(400, '"contact" must be another number than the phone itself');
  if (!world.isOnWhatsApp(digits)) throw new ControlError(409, `${toE164(digits)} is not on WhatsApp`);
  return digits;
}
