import assert from 'node:assert/strict';
import type { WsQrCode } from '@wasla/protocol';
import { decodeQrDataUrl } from './qr.js';
import { Stack } from './harness.js';
import type { StackOptions } from './harness.js';
import type { TestSocket } from './ws-client.js';

/** Starts the session, reads the QR the server publishes and has the emulated phone scan it. */
export async function linkByQr(stack: Stack, cookie: string, socket: TestSocket): Promise<void> {
  const from = socket.received.length;
  const started = await stack.api(cookie, 'POST', '/api/session/start');
  assert.equal(started.status, 200, JSON.stringify(started.json));
  const qr = await socket.waitFor<WsQrCode>((m) => m.type === 'qr_code', 15_000, from);
  await stack.control('POST', '/control/scan', { qr: decodeQrDataUrl(qr.data.qr) });
  await socket.waitForStatus('ready', 20_000, from);
}

/** Asserts the session updates a socket saw are strictly increasing in (epoch, rev). */
export function assertOrdered(socket: TestSocket): void {
  const updates = socket.sessionUpdates();
  for (let i = 1; i < updates.length; i += 1) {
    const previous = updates[i - 1]!;
    const current = updates[i]!;
    const newer = current.epoch > previous.epoch || (current.epoch === previous.epoch && current.rev > previous.rev);
    // The first message after a subscribe repeats the current state; equal stamps are allowed only then.
    assert.ok(newer || (current.epoch === previous.epoch && current.rev === previous.rev), `update ${i} went backwards: ${previous.epoch}/${previous.rev} → ${current.epoch}/${current.rev}`);
  }
}

/** A fresh server with a logged-in admin and a subscribed WebSocket. */
export interface SessionFixture {
  stack: Stack;
  cookie: string;
  socket: TestSocket;
}

/** Runs `body` against a fresh stack (linked by QR first with `linked`), always cleaning up. */
export async function withSession(options: StackOptions & { linked?: boolean }, body: (fixture: SessionFixture) => Promise<void>): Promise<void> {
  const stack = await Stack.start(options);
  try {
    const cookie = await stack.login();
    const socket = await stack.socket(cookie);
    if (options.linked) await linkByQr(stack, cookie, socket);
    await body({ stack, cookie, socket });
    socket.close();
  } finally {
    await stack.close();
  }
}
