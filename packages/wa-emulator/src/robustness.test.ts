import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  Browsers,
  Curve,
  NOISE_WA_HEADER,
  WA_CERT_DETAILS,
  generateRegistrationNode,
  initAuthCreds,
  makeNoiseHandler,
  proto,
  type BinaryNode,
  type SocketConfig,
} from 'baileys';
import pino from 'pino';
import WebSocket from 'ws';
import { startEmulator, type Emulator } from './index.js';
import { control, openSocket, pairByQr } from './testing/harness.js';

/** A bare WebSocket to the emulator that records what the server sends and when it closes. */
async function rawSocket(emulator: Emulator) {
  const ws = new WebSocket(emulator.url);
  const inbox: Buffer[] = [];
  let wake: (() => void) | null = null;
  ws.on('message', (data: Buffer) => {
    inbox.push(data);
    wake?.();
  });
  const closed = new Promise<void>(resolve => ws.on('close', () => resolve()));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    closed,
    async next(): Promise<Buffer> {
      while (inbox.length === 0) await new Promise<void>(resolve => (wake = resolve));
      return inbox.shift()!;
    },
  };
}

function frame(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(3 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out.set(payload, 3);
  return out;
}

describe('robustness', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator({ phone: '+966501234567' });
  });
  after(() => emulator.close());

  it('closes a client that sends no intro header', async () => {
    const raw = await rawSocket(emulator);
    raw.ws.send(randomBytes(64));
    await raw.closed;
  });

  it('closes a client whose hello is not a handshake message', async () => {
    const raw = await rawSocket(emulator);
    raw.ws.send(Buffer.concat([NOISE_WA_HEADER, frame(randomBytes(40))]));
    await raw.closed;
  });

  it('closes a client announcing an oversized frame, or sending text', async () => {
    const big = await rawSocket(emulator);
    big.ws.send(Buffer.concat([NOISE_WA_HEADER, Buffer.from([0xff, 0xff, 0xff, 1, 2, 3])]));
    await big.closed;
    const text = await rawSocket(emulator);
    text.ws.send('hello');
    await text.closed;
  });

  it('closes a client that completes the handshake and then sends garbage', async () => {
    WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(emulator.rootPublicKey);
    const raw = await rawSocket(emulator);
    const creds = initAuthCreds();
    const ephemeral = Curve.generateKeyPair();
    const noise = makeNoiseHandler({ keyPair: ephemeral, NOISE_HEADER: NOISE_WA_HEADER, logger: pino({ level: 'silent' }) });
    const decoded: (Uint8Array | BinaryNode)[] = [];
    const receive = async () => {
      await noise.decodeFrame(await raw.next(), f => decoded.push(f));
      return decoded.shift()!;
    };
    raw.ws.send(noise.encodeFrame(proto.HandshakeMessage.encode({ clientHello: { ephemeral: ephemeral.public } }).finish()));
    const serverHello = proto.HandshakeMessage.decode((await receive()) as Uint8Array);
    const staticEnc = noise.processHandshake(serverHello, creds.noiseKey);
    // Only these fields of the socket config matter for the registration payload.
    const config = { version: [2, 3000, 1], browser: Browsers.macOS('Chrome'), syncFullHistory: false } as unknown as SocketConfig;
    const payload = noise.encrypt(proto.ClientPayload.encode(generateRegistrationNode(creds, config)).finish());
    raw.ws.send(noise.encodeFrame(proto.HandshakeMessage.encode({ clientFinish: { static: staticEnc, payload } }).finish()));
    await noise.finishInit();
    const pairDevice = (await receive()) as BinaryNode;
    assert.equal(pairDevice.tag, 'iq', 'the session works: the server offers QR refs');
    raw.ws.send(noise.encodeFrame(randomBytes(50)));
    await raw.closed;
  });

  it('keeps serving after all that', async () => {
    const state = await control<{ connections: number }>(emulator, 'GET', '/control/state');
    assert.equal(state.status, 200);
    const auth = await pairByQr(emulator);
    (await openSocket(emulator, auth)).end(undefined);
  });

  it('answers bad control requests with clear errors', async () => {
    assert.equal((await control(emulator, 'GET', '/control/nope')).status, 404);
    assert.equal((await control(emulator, 'GET', '/control/scan')).status, 405);
    const badJson = await fetch(`${emulator.controlUrl}/control/scan`, { method: 'POST', body: '{oops' });
    assert.equal(badJson.status, 400);
    assert.deepEqual(await badJson.json(), { error: 'body is not valid JSON' });
    const array = await fetch(`${emulator.controlUrl}/control/numbers`, { method: 'PUT', body: '[]' });
    assert.equal(array.status, 400);
  });
});
