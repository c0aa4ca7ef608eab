import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SESSION_ERROR_CODES } from '@wasla/protocol';
import { DISCONNECT_RULES, reactToDisconnect } from './disconnect-reasons.js';
import type { DisconnectInfo, DisconnectReaction } from './disconnect-reasons.js';

/** What each close must lead to: [status code, Boom message, kind, errorCode, wipe]. */
const EXPECTED: [number | null, string | null, DisconnectReaction['kind'], string | null, boolean | null][] = [
  [515, 'Stream Errored (restart required)', 'reconnect_now', null, null],
  [401, 'Connection Failure', 'logged_out', 'logged_out', null],
  [401, 'Intentional Logout', 'logged_out', 'logged_out', null],
  [403, 'Connection Failure', 'fail', 'forbidden', false],
  [440, 'Stream Errored (conflict)', 'fail', 'connection_replaced', false],
  [408, 'QR refs attempts ended', 'fail', 'qr_timeout', true],
  [408, 'Connection was lost', 'backoff', 'connection_lost', null],
  [408, 'Timed Out', 'backoff', 'timed_out', null],
  [408, null, 'backoff', 'timed_out', null],
  [428, 'Connection Terminated', 'backoff', 'connection_closed', null],
  [428, 'Connection Closed', 'backoff', 'connection_closed', null],
  [500, 'Stream Errored (bad-session)', 'backoff', 'bad_session', null],
  [503, 'Stream Errored (unavailable)', 'backoff', 'service_unavailable', null],
  [411, 'Multi-device beta not joined', 'repair', 'multidevice_mismatch', null],
  [null, 'WebSocket Error (ECONNREFUSED)', 'backoff', 'connection_lost', null],
  [null, null, 'backoff', 'connection_lost', null],
  [999, 'Something new', 'backoff', 'unknown', null],
];

function errorCodeOf(reaction: DisconnectReaction): string | null {
  return reaction.kind === 'reconnect_now' ? null : reaction.errorCode;
}

function messageOf(reaction: DisconnectReaction): string | null {
  return reaction.kind === 'reconnect_now' ? null : reaction.message;
}

describe('reactToDisconnect', () => {
  for (const [statusCode, message, kind, errorCode, wipe] of EXPECTED) {
    test(`${String(statusCode)} "${String(message)}" → ${kind} ${errorCode ?? ''}`, () => {
      const reaction = reactToDisconnect({ statusCode, message });
      assert.equal(reaction.kind, kind);
      assert.equal(errorCodeOf(reaction), errorCode);
      if (wipe !== null) assert.equal(reaction.kind === 'fail' && reaction.wipe, wipe);
    });
  }

  test('every row of the table is reachable and returns its own reaction', () => {
    for (const rule of DISCONNECT_RULES) {
      const info: DisconnectInfo = { statusCode: rule.statusCode, message: rule.messageIncludes ?? 'some other message' };
      assert.equal(reactToDisconnect(info), rule.reaction, rule.name);
    }
  });

  test('every code Baileys names has a row, and every expectation above covers a row', () => {
    const codes = new Set(DISCONNECT_RULES.map((rule) => rule.statusCode));
    for (const code of [515, 401, 403, 440, 428, 408, 500, 503, 411, null]) assert.ok(codes.has(code), `no row for ${String(code)}`);
    for (const rule of DISCONNECT_RULES) {
      assert.ok(EXPECTED.some(([code]) => code === rule.statusCode), `row ${rule.name} is not tested`);
    }
  });

  test('the QR timeout is told from a plain 408 by its message, case-insensitively', () => {
    assert.equal(errorCodeOf(reactToDisconnect({ statusCode: 408, message: 'qr refs ATTEMPTS ended' })), 'qr_timeout');
    assert.equal(errorCodeOf(reactToDisconnect({ statusCode: 408, message: 'Boom: QR refs attempts ended (6)' })), 'qr_timeout');
    assert.equal(reactToDisconnect({ statusCode: 408, message: 'Connection was lost' }).kind, 'backoff');
    // The message alone means nothing without its code.
    assert.equal(errorCodeOf(reactToDisconnect({ statusCode: 428, message: 'QR refs attempts ended' })), 'connection_closed');
  });

  test('440 and 403 never lead to a reconnect', () => {
    for (const statusCode of [440, 403]) {
      for (const message of [null, 'Stream Errored (conflict)', 'QR refs attempts ended']) {
        assert.equal(reactToDisconnect({ statusCode, message }).kind, 'fail');
      }
    }
  });

  test('the messages people read are the agreed sentences', () => {
    assert.equal(
      messageOf(reactToDisconnect({ statusCode: 440, message: null })),
      "Another WhatsApp Web client took over this number; Wasla stopped so the two don't keep disconnecting each other. Start the session again to take it back.",
    );
    assert.equal(messageOf(reactToDisconnect({ statusCode: 403, message: null })), 'WhatsApp refused this number (banned or blocked). Wasla will not retry.');
    assert.equal(messageOf(reactToDisconnect({ statusCode: 408, message: 'QR refs attempts ended' })), 'QR code was not scanned in time.');
  });

  test('an unknown code backs off and names the code', () => {
    const reaction = reactToDisconnect({ statusCode: 499, message: 'secret internals' });
    assert.equal(reaction.kind, 'backoff');
    assert.match(messageOf(reaction) ?? '', /code 499/);
    assert.doesNotMatch(messageOf(reaction) ?? '', /secret internals/);
  });

  test('every message is an English sentence and every error code is a protocol code', () => {
    const known: readonly string[] = SESSION_ERROR_CODES;
    for (const [statusCode, message] of EXPECTED) {
      const reaction = reactToDisconnect({ statusCode, message });
      const text = messageOf(reaction);
      const code = errorCodeOf(reaction);
      if (text !== null) assert.match(text, /^[A-Z].*\.$/, `${String(statusCode)}: "${text}"`);
      if (code !== null) assert.ok(known.includes(code), `${code} is not in SESSION_ERROR_CODES`);
    }
  });
});
