/**
 * Reading the control API's requests: JSON bodies, and the fields routes share. Every
 * problem is a ControlError with the status the caller gets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ControlError } from './errors.js';
import { toDigits } from './jid.js';
import type { LidAnnouncement, SenderAddressing } from './outbound.js';
import type { AccountConfig } from './world.js';

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_DELAY_MS = 3_600_000;
const MAX_DEVICE = 99;
const MAX_ID_LENGTH = 128;
const MAX_REFUSALS = 10_000;

export type Body = Record<string, unknown>;

export function parseNumbers(value: unknown): string[] | null {
  if (value === '*') return null;
  if (!Array.isArray(value)) throw new ControlError(400, 'onWhatsApp must be "*" or an array of phone numbers');
  const digits = value.map(v => (typeof v === 'string' ? toDigits(v) : null));
  const bad = value.filter((_, i) => digits[i] === null);
  if (bad.length) throw new ControlError(400, `not phone numbers: ${JSON.stringify(bad)}`);
  return digits as string[];
}

export function applyConfig(config: AccountConfig, body: Body): void {
  const next = { ...config };
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
  Object.assign(config, next);
}

/** A contact's device: 0 (default) is its phone, 1–99 a companion such as WhatsApp Web. */
export function optionalDevice(body: Body): number {
  const value = body.device ?? 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_DEVICE) {
    throw new ControlError(400, `"device" must be an integer from 0 to ${MAX_DEVICE}`);
  }
  return value;
}

export function optionalIds(body: Body): string[] {
  const value = body.messageIds ?? [];
  if (!Array.isArray(value) || !value.every(id => typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH)) {
    throw new ControlError(400, '"messageIds" must be an array of message ids');
  }
  return value as string[];
}

export function optionalCount(body: Body, key: string): number {
  const value = body[key] ?? 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_REFUSALS) {
    throw new ControlError(400, `"${key}" must be an integer from 0 to ${MAX_REFUSALS}`);
  }
  return value;
}

const ADDRESSING: readonly SenderAddressing[] = ['pn', 'lid', 'lid-only'];

export function parseAddressing(value: unknown): SenderAddressing {
  if (value === undefined) return 'pn';
  const known = ADDRESSING.find(a => a === value);
  if (!known) throw new ControlError(400, `"addressing" must be one of ${ADDRESSING.join(', ')}`);
  return known;
}

export function parseAnnouncement(value: unknown): LidAnnouncement {
  if (value === undefined || value === 'notification') return 'notification';
  if (value === 'history') return 'history';
  throw new ControlError(400, '"via" must be "notification" or "history"');
}

export function optionalString<K extends string>(body: Body, key: K): Partial<Record<K, string>> {
  return body[key] === undefined ? {} : ({ [key]: requireString(body, key) } as Record<K, string>);
}

export function requireString(body: Body, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value.length === 0) throw new ControlError(400, `"${key}" must be a non-empty string`);
  return value;
}

export async function readJson(req: IncomingMessage): Promise<Body> {
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

export function reply(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
