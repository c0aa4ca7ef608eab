/**
 * Test support: drives the real Baileys client against an emulator. Not part of the
 * package's public API.
 */
import {
  WA_CERT_DETAILS,
  initAuthCreds,
  makeWASocket,
  type AuthenticationState,
  type ConnectionState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type UserFacingSocketConfig,
} from 'baileys';
import pino from 'pino';
import type { Emulator } from '../index.js';

export type WASocket = ReturnType<typeof makeWASocket>;

// Baileys rc14 never clears some long timers when a socket ends (the 30 s pre-key
// upload timeout, the 20 s initial-sync wait), so a test process would linger for
// half a minute after its last login. Tests await events explicitly, so let those
// timers not hold the process open.
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const timer = realSetTimeout(fn, ms, ...args);
  if ((ms ?? 0) >= 20_000) timer.unref();
  return timer;
}) as typeof globalThis.setTimeout;

/** Credentials plus a Map-backed Signal key store, as a fresh client starts with. */
export function memoryAuthState(): AuthenticationState {
  const store = new Map<string, unknown>();
  return {
    creds: initAuthCreds(),
    keys: {
      get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        const out: { [id: string]: SignalDataTypeMap[T] } = {};
        for (const id of ids) {
          const value = store.get(`${type}\u0000${id}`);
          if (value !== undefined) out[id] = value as SignalDataTypeMap[T];
        }
        return out;
      },
      set: async (data: SignalDataSet) => {
        for (const [type, entries] of Object.entries(data)) {
          for (const [id, value] of Object.entries(entries ?? {})) {
            if (value === null || value === undefined) store.delete(`${type}\u0000${id}`);
            else store.set(`${type}\u0000${id}`, value);
          }
        }
      },
    },
  };
}

const logger = pino({ level: process.env.BAILEYS_LOG ?? 'silent' });

/** A Baileys socket pointed at the emulator, trusting its certificate root. */
export function connect(
  emulator: Emulator,
  auth: AuthenticationState,
  extra: Partial<UserFacingSocketConfig> = {},
): WASocket {
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(emulator.rootPublicKey);
  const sock = makeWASocket({
    auth,
    waWebSocketUrl: emulator.url,
    markOnlineOnConnect: false,
    logger,
    connectTimeoutMs: 5_000,
    ...extra,
  });
  sock.ev.on('creds.update', update => Object.assign(auth.creds, update));
  return sock;
}

/** Resolves with the first connection update the predicate accepts. */
export function waitForUpdate(
  sock: WASocket,
  predicate: (update: Partial<ConnectionState>) => boolean,
  timeoutMs = 15_000,
): Promise<Partial<ConnectionState>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.ev.off('connection.update', listener);
      reject(new Error('timed out waiting for a connection update'));
    }, timeoutMs);
    const listener = (update: Partial<ConnectionState>) => {
      if (!predicate(update)) return;
      clearTimeout(timer);
      sock.ev.off('connection.update', listener);
      resolve(update);
    };
    sock.ev.on('connection.update', listener);
  });
}

export interface CloseInfo {
  statusCode: number | undefined;
  message: string | undefined;
}

export async function waitForClose(sock: WASocket, timeoutMs = 15_000): Promise<CloseInfo> {
  const update = await waitForUpdate(sock, u => u.connection === 'close', timeoutMs);
  // Baileys closes with a Boom; its status code lives in output.statusCode.
  const error = update.lastDisconnect?.error as { output?: { statusCode?: number }; message?: string } | undefined;
  return { statusCode: error?.output?.statusCode, message: error?.message };
}

export async function waitForOpen(sock: WASocket, timeoutMs = 15_000): Promise<void> {
  const update = await waitForUpdate(sock, u => u.connection === 'open' || u.connection === 'close', timeoutMs);
  if (update.connection === 'close') {
    const error = update.lastDisconnect?.error as { output?: { statusCode?: number }; message?: string } | undefined;
    throw new Error(`closed instead of opening: ${error?.output?.statusCode} ${error?.message}`);
  }
}

export function waitForQr(sock: WASocket, timeoutMs = 15_000): Promise<string> {
  return waitForUpdate(sock, u => typeof u.qr === 'string', timeoutMs).then(u => u.qr as string);
}

export interface StatusSeen {
  status: number;
  stub?: string[];
  /** Which event carried it: Baileys folds updates into a still-buffered upsert. */
  via: 'messages.update' | 'messages.upsert';
}

/**
 * Tracks the status Baileys reports per message id: the highest one, except that ERROR
 * (0) sticks. Statuses arrive on messages.update, but when an ack or receipt lands
 * while the sent message is still in Baileys' event buffer (about 100 ms), the update
 * is folded into the messages.upsert of the message itself instead.
 */
export function trackStatuses(sock: WASocket) {
  const best = new Map<string, StatusSeen>();
  const listeners = new Set<() => void>();
  const note = (id: string | null | undefined, seen: StatusSeen) => {
    if (!id) return;
    const previous = best.get(id);
    if (previous?.status === 0) return;
    if (!previous || seen.status > previous.status || seen.status === 0) best.set(id, seen);
  };
  sock.ev.on('messages.update', updates => {
    for (const { key, update } of updates) {
      if (typeof update.status !== 'number') continue;
      note(key.id, { status: update.status, stub: update.messageStubParameters ?? undefined, via: 'messages.update' });
    }
    for (const listener of listeners) listener();
  });
  sock.ev.on('messages.upsert', ({ messages }) => {
    for (const message of messages) {
      if (!message.key.fromMe || typeof message.status !== 'number') continue;
      note(message.key.id, {
        status: message.status,
        stub: message.messageStubParameters ?? undefined,
        via: 'messages.upsert',
      });
    }
    for (const listener of listeners) listener();
  });
  return {
    get: (id: string) => best.get(id),
    waitFor(id: string, predicate: (seen: StatusSeen) => boolean, timeoutMs = 10_000) {
      return new Promise<StatusSeen>((resolve, reject) => {
        const check = () => {
          const current = best.get(id);
          if (!current || !predicate(current)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(current);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`status of ${id} never matched; last ${JSON.stringify(best.get(id))}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

/** Calls the control API; resolves with the HTTP status and the parsed JSON answer. */
export async function control<T = Record<string, unknown>>(
  emulator: Emulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${emulator.controlUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/**
 * Pairs a fresh client by QR, scanned by the given emulated phone (the first one if
 * none is named); resolves with its credentials once the client saw 515.
 */
export async function pairByQr(emulator: Emulator, phone?: string): Promise<AuthenticationState> {
  const auth = memoryAuthState();
  const sock = connect(emulator, auth);
  const qr = await waitForQr(sock);
  const closed = waitForClose(sock);
  const scan = await control(emulator, 'POST', '/control/scan', phone === undefined ? { qr } : { qr, phone });
  if (scan.status !== 200) throw new Error(`scan failed: ${JSON.stringify(scan.body)}`);
  const { statusCode } = await closed;
  if (statusCode !== 515) throw new Error(`expected 515 after pairing, got ${statusCode}`);
  return auth;
}

/** Opens a socket with saved credentials and waits for 'open'. */
export async function openSocket(
  emulator: Emulator,
  auth: AuthenticationState,
  extra: Partial<UserFacingSocketConfig> = {},
): Promise<WASocket> {
  const sock = connect(emulator, auth, extra);
  await waitForOpen(sock);
  return sock;
}
