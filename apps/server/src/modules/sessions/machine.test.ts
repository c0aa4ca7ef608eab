import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SESSION_STATUSES, sessionStateSchema } from '@wasla/protocol';
import type { SessionState, SessionStatus } from '@wasla/protocol';
import { DEFAULT_BACKOFF, backoffCeiling } from './backoff.js';
import type { BackoffPolicy } from './backoff.js';
import { initialState, transition } from './machine.js';
import type { MachineState, SessionEffect, SessionEvent, TransitionResult } from './machine.js';

const EPOCH = 1_740_000_000_000;
const PHONE = '+966501234567';
const DIGITS = '966501234567';
const QR_1 = { type: 'qr', qrDataUrl: 'data:image/png;base64,QR1', expiresAt: '2025-03-01T09:01:00.000Z' } as const;
const QR_2 = { type: 'qr', qrDataUrl: 'data:image/png;base64,QR2', expiresAt: '2025-03-01T09:01:20.000Z' } as const;
const PROBLEM_STATUSES: readonly SessionStatus[] = ['disconnected', 'failed', 'logged_out'];

const closed = (statusCode: number | null, message: string | null = null): SessionEvent => ({ type: 'closed', statusCode, message });

/**
 * Drives one session through real events, one simulated second apart, and checks the
 * machine's invariants on every single transition.
 */
class Session {
  state: MachineState;
  clock = Date.parse('2025-03-01T09:00:00.000Z');
  random = 0.5;
  constructor(readonly backoff: BackoffPolicy = DEFAULT_BACKOFF) {
    this.state = initialState('default', EPOCH, new Date(this.clock));
  }
  get public(): SessionState {
    return this.state.public;
  }
  send(event: SessionEvent): TransitionResult {
    this.clock += 1000;
    const now = new Date(this.clock);
    // Frozen, so a transition that mutates its input throws instead of passing.
    Object.freeze(this.state.public);
    const before = Object.freeze(this.state);
    const result = transition(before, event, { now, random: this.random, backoff: this.backoff });
    assertInvariants(before, event, now, result);
    this.state = result.state;
    return result;
  }
  sendAll(events: readonly SessionEvent[]): TransitionResult[] {
    return events.map((event) => this.send(event));
  }
}

function withoutStamp(state: SessionState): Omit<SessionState, 'rev' | 'lastUpdate'> {
  const { rev: _rev, lastUpdate: _lastUpdate, ...rest } = state;
  return rest;
}

const effectTypes = (result: TransitionResult): string[] => result.effects.map((effect) => effect.type);

/** The rules of the session contract, checked independently of the machine's own helpers. */
function assertInvariants(before: MachineState, event: SessionEvent, now: Date, result: TransitionResult): void {
  const prev = before.public;
  const next = result.state.public;
  const where = `${prev.status} + ${event.type}`;
  sessionStateSchema.parse(next);
  const differs = JSON.stringify(withoutStamp(prev)) !== JSON.stringify(withoutStamp(next));
  assert.equal(result.changed, differs, `${where}: changed must be true exactly when the public state differs`);
  if (result.changed) {
    assert.equal(next.rev, prev.rev + 1, `${where}: rev +1`);
    assert.equal(next.lastUpdate, now.toISOString(), `${where}: lastUpdate`);
  } else {
    assert.equal(next, prev, `${where}: an unchanged state keeps its object`);
  }
  assert.equal(next.sessionId, prev.sessionId);
  assert.equal(next.epoch, prev.epoch);
  assert.equal(next.isReady, next.status === 'ready', `${where}: isReady`);
  assert.equal(next.qrCode !== null, next.status === 'qr', `${where}: qrCode only (and always) in qr`);
  assert.equal(next.qrExpiresAt !== null, next.status === 'qr', `${where}: qrExpiresAt only in qr`);
  assert.equal(next.pairingCode !== null, next.status === 'pairing', `${where}: pairingCode only in pairing`);
  assert.equal(next.nextRetryAt !== null, next.status === 'disconnected', `${where}: nextRetryAt only in disconnected`);
  const problem = PROBLEM_STATUSES.includes(next.status);
  assert.equal(next.error !== null, problem, `${where}: error only with a problem status`);
  assert.equal(next.errorCode !== null, problem, `${where}: errorCode only with a problem status`);
  const types = effectTypes(result);
  if (next.status === 'logged_out' || types.includes('wipe_credentials')) assert.equal(next.phoneNumber, null, `${where}: no number once unlinked`);
  else if (event.type !== 'open') assert.equal(next.phoneNumber, prev.phoneNumber, `${where}: the number is kept while linked`);
  if (types.includes('connect')) assert.equal(next.status, 'connecting', `${where}: a new connection means connecting`);
  for (const effect of result.effects) {
    if (effect.type !== 'schedule_retry') continue;
    assert.equal(next.status, 'disconnected', `${where}: a retry is scheduled only when disconnected`);
    assert.equal(Date.parse(next.nextRetryAt ?? ''), now.getTime() + effect.delayMs, `${where}: nextRetryAt = now + delay`);
  }
  if (result.rejected) {
    assert.equal(result.changed, false);
    assert.deepEqual(result.effects, []);
  }
}

/** How each status is reached, through real events only. */
const LINKED: SessionEvent[] = [{ type: 'start' }, { type: 'connecting' }, QR_1, closed(515, 'Stream Errored (restart required)'), { type: 'connecting' }, { type: 'open', phoneNumber: PHONE }];
const ROUTES: Record<SessionStatus, SessionEvent[]> = {
  stopped: [],
  connecting: [{ type: 'start' }, { type: 'connecting' }],
  qr: [{ type: 'start' }, { type: 'connecting' }, QR_1],
  pairing: [{ type: 'start' }, { type: 'connecting' }, QR_1, { type: 'request_pairing_code', phoneDigits: DIGITS }, { type: 'pairing_code', code: 'FIRST123' }],
  ready: LINKED,
  disconnected: [...LINKED, closed(428, 'Connection Terminated')],
  logged_out: [...LINKED, closed(401, 'Connection Failure')],
  failed: [...LINKED, closed(440, 'Stream Errored (conflict)')],
};

function sessionIn(status: SessionStatus, backoff?: BackoffPolicy): Session {
  const session = new Session(backoff);
  session.sendAll(ROUTES[status]);
  assert.equal(session.public.status, status, `the route to ${status}`);
  return session;
}

const EVENTS = {
  start: { type: 'start' },
  stop: { type: 'stop' },
  restart: { type: 'restart' },
  logout: { type: 'logout' },
  request_pairing_code: { type: 'request_pairing_code', phoneDigits: DIGITS },
  connecting: { type: 'connecting' },
  qr: QR_2,
  pairing_code: { type: 'pairing_code', code: 'SECOND45' },
  pairing_code_failed: { type: 'pairing_code_failed', message: 'WhatsApp did not give a pairing code.' },
  open: { type: 'open', phoneNumber: PHONE },
  'closed 515': closed(515),
  'closed 428': closed(428, 'Connection Terminated'),
  'closed 408 lost': closed(408, 'Connection was lost'),
  'closed 408 QR refs': closed(408, 'QR refs attempts ended'),
  'closed 401': closed(401),
  'closed 403': closed(403),
  'closed 440': closed(440),
  'closed 411': closed(411),
  'closed 500': closed(500),
  'closed 503': closed(503),
  'closed null': closed(null),
  retry_due: { type: 'retry_due' },
  restricted: { type: 'restricted', restriction: { code: '463', since: '2025-01-01T00:00:00.000Z', reason: 'restricted' } },
  lift_restriction: { type: 'lift_restriction' },
} as const satisfies Record<string, SessionEvent>;
type EventName = keyof typeof EVENTS;

/**
 * Expected outcome per (event, status), in the order of SESSION_STATUSES:
 * stopped, connecting, qr, pairing, ready, disconnected, logged_out, failed.
 * `-` = ignored (same state object, no effects); `-: fx` = ignored but with effects;
 * `status[errorCode]: fx fx` = the resulting status, its error code and the effects in order.
 */
type Row = [string, string, string, string, string, string, string, string];
/** Connection events are ignored while stopped, logged out or failed. */
const activeRow = (connecting: string, qr: string, pairing: string, ready: string, disconnected: string): Row =>
  ['-', connecting, qr, pairing, ready, disconnected, '-', '-'];
const backoffRow = (code: string): Row => {
  const retry = `disconnected[${code}]: schedule_retry`;
  return activeRow(retry, retry, `disconnected[${code}]: wipe_credentials schedule_retry`, retry, retry);
};
const failRow = (code: string): Row =>
  activeRow(`failed[${code}]:`, `failed[${code}]:`, `failed[${code}]: wipe_credentials`, `failed[${code}]:`, `failed[${code}]: cancel_retry`);
const sameRow = (outcome: string): Row => [outcome, outcome, outcome, outcome, outcome, outcome, outcome, outcome];
const EXPECTED: Record<EventName, Row> = {
  start: ['connecting: connect', '-', '-', '-', '-', 'connecting: cancel_retry connect', 'connecting: connect', 'connecting: connect'],
  // Leaving an unfinished link (qr, pairing) also throws its half-made credentials away.
  stop: ['-', 'stopped: cancel_retry disconnect', 'stopped: cancel_retry disconnect wipe_credentials', 'stopped: cancel_retry disconnect wipe_credentials', ...sameRow('stopped: cancel_retry disconnect').slice(4)] as Row,
  restart: sameRow('connecting: cancel_retry disconnect connect').map((outcome, index) =>
    ['qr', 'pairing'].includes(SESSION_STATUSES[index]!) ? 'connecting: cancel_retry disconnect wipe_credentials connect' : outcome,
  ) as Row,
  logout: sameRow('logged_out[logged_out_by_user]: cancel_retry logout_remote wipe_credentials').map((outcome, index) => (SESSION_STATUSES[index] === 'logged_out' ? '-' : outcome)) as Row,
  request_pairing_code: ['connecting: connect', 'connecting:', 'qr: request_pairing_code', 'pairing: request_pairing_code', 'rejected', 'connecting: cancel_retry connect', 'connecting: connect', 'connecting: connect'],
  connecting: ['-', '-', '-', '-', '-', 'connecting: cancel_retry', '-', '-'],
  qr: ['-', 'qr:', 'qr:', '-', '-', 'qr: cancel_retry', '-', '-'],
  pairing_code: ['-', 'pairing:', 'pairing:', 'pairing:', '-', 'pairing: cancel_retry', '-', '-'],
  pairing_code_failed: activeRow('failed[pairing_failed]: disconnect wipe_credentials', 'failed[pairing_failed]: disconnect wipe_credentials', 'failed[pairing_failed]: disconnect wipe_credentials', '-', 'failed[pairing_failed]: cancel_retry disconnect wipe_credentials'),
  open: ['-: disconnect', 'ready:', 'ready:', 'ready:', '-', 'ready: cancel_retry', '-: disconnect', '-: disconnect'],
  'closed 515': activeRow('connecting: connect', 'connecting: connect', 'connecting: connect', 'connecting: connect', 'connecting: cancel_retry connect'),
  'closed 428': backoffRow('connection_closed'),
  'closed 408 lost': backoffRow('connection_lost'),
  'closed 408 QR refs': activeRow('failed[qr_timeout]: wipe_credentials', 'failed[qr_timeout]: wipe_credentials', 'failed[pairing_failed]: wipe_credentials', 'failed[qr_timeout]: wipe_credentials', 'failed[qr_timeout]: cancel_retry wipe_credentials'),
  'closed 401': activeRow('logged_out[logged_out]: wipe_credentials', 'logged_out[logged_out]: wipe_credentials', 'logged_out[logged_out]: wipe_credentials', 'logged_out[logged_out]: wipe_credentials', 'logged_out[logged_out]: cancel_retry wipe_credentials'),
  'closed 403': failRow('forbidden'),
  'closed 440': failRow('connection_replaced'),
  'closed 411': activeRow('connecting: wipe_credentials connect', 'connecting: wipe_credentials connect', 'connecting: wipe_credentials connect', 'connecting: wipe_credentials connect', 'connecting: cancel_retry wipe_credentials connect'),
  'closed 500': backoffRow('bad_session'),
  'closed 503': backoffRow('service_unavailable'),
  'closed null': backoffRow('connection_lost'),
  retry_due: ['-', '-', '-', '-', '-', 'connecting: connect', '-', '-'],
  // The number's restriction leaves the status alone, whatever it is.
  restricted: SESSION_STATUSES.map((status) => `${status}: store_restriction`) as unknown as Row,
  lift_restriction: sameRow('-'),
};

describe('every (status, event) pair', () => {
  for (const name of Object.keys(EVENTS) as EventName[]) {
    const event: SessionEvent = EVENTS[name];
    const row = EXPECTED[name];
    SESSION_STATUSES.forEach((status, index) => {
      const expected = row[index] ?? '';
      test(`${status} + ${name} → ${expected}`, () => {
        const session = sessionIn(status);
        const before = session.state;
        const result = session.send(event);
        if (expected === 'rejected') {
          assert.equal(result.rejected?.code, 'invalid_state');
          assert.equal(result.state, before);
          return;
        }
        assert.equal(result.rejected, undefined);
        const [head = '', effects = ''] = expected.split(':');
        const wanted = effects.trim() === '' ? [] : effects.trim().split(' ');
        assert.deepEqual(effectTypes(result), wanted, 'effects');
        if (head === '-') {
          assert.equal(result.state, before, 'ignored: the very same state');
          return;
        }
        const match = /^(\w+)(?:\[(\w+)\])?$/.exec(head);
        assert.ok(match, `bad expectation "${expected}"`);
        assert.equal(result.state.public.status, match[1]);
        if (match[2] !== undefined) assert.equal(result.state.public.errorCode, match[2]);
      });
    });
  }
});

describe('initialState', () => {
  test('is stopped at rev 0 with nothing else set', () => {
    const state = initialState('sales', 42, new Date('2025-01-01T00:00:00.000Z'));
    assert.deepEqual(state, {
      public: {
        sessionId: 'sales', epoch: 42, rev: 0, status: 'stopped', isReady: false, lastUpdate: '2025-01-01T00:00:00.000Z',
        qrCode: null, qrExpiresAt: null, pairingCode: null, phoneNumber: null, error: null, errorCode: null, nextRetryAt: null, restriction: null,
      },
      attempt: 0,
      pairingPhone: null,
    });
  });
});

describe('linking with a QR code', () => {
  test('start → QR (rotating) → scan → 515 → open: one rev per change, the QR gone once linked', () => {
    const session = new Session();
    assert.deepEqual(effectTypes(session.send({ type: 'start' })), ['connect']);
    assert.equal(session.public.rev, 1);
    assert.equal(session.send({ type: 'connecting' }).changed, false);
    session.send(QR_1);
    assert.deepEqual([session.public.status, session.public.qrCode, session.public.qrExpiresAt, session.public.rev], ['qr', QR_1.qrDataUrl, QR_1.expiresAt, 2]);
    session.send(QR_2);
    assert.deepEqual([session.public.qrCode, session.public.rev], [QR_2.qrDataUrl, 3]);
    assert.equal(session.send(QR_2).changed, false, 'the same QR twice is not a change');
    const restart = session.send(closed(515, 'Stream Errored (restart required)'));
    assert.deepEqual(effectTypes(restart), ['connect']);
    assert.deepEqual([session.public.status, session.public.qrCode, session.public.error, session.public.rev], ['connecting', null, null, 4]);
    session.send({ type: 'connecting' });
    session.send({ type: 'open', phoneNumber: PHONE });
    assert.deepEqual([session.public.status, session.public.isReady, session.public.phoneNumber, session.public.rev], ['ready', true, PHONE, 5]);
    assert.equal(session.state.attempt, 0);
  });

  test('a late open after stop only ends that connection', () => {
    const session = sessionIn('connecting');
    session.send({ type: 'stop' });
    const late = session.send({ type: 'open', phoneNumber: PHONE });
    assert.deepEqual(effectTypes(late), ['disconnect']);
    assert.equal(session.public.status, 'stopped');
  });

  test('QR timeout fails the session; a plain 408 backs off', () => {
    const timedOut = sessionIn('qr');
    timedOut.send(closed(408, 'QR refs attempts ended'));
    assert.deepEqual([timedOut.public.status, timedOut.public.errorCode, timedOut.public.error], ['failed', 'qr_timeout', 'QR code was not scanned in time.']);
    const lost = sessionIn('qr');
    const result = lost.send(closed(408, 'Connection was lost'));
    assert.deepEqual([lost.public.status, lost.public.errorCode], ['disconnected', 'connection_lost']);
    assert.deepEqual(effectTypes(result), ['schedule_retry']);
  });
});

describe('reconnecting with backoff', () => {
  /** Closes and retries `count` times, returning each scheduled delay. */
  function flap(session: Session, count: number, randoms: readonly number[] = [0.999_999]): number[] {
    const delays: number[] = [];
    for (let i = 0; i < count; i += 1) {
      session.random = randoms[i % randoms.length] ?? 0.5;
      const effect = session.send(closed(428, 'Connection Terminated')).effects[0];
      assert.equal(effect?.type, 'schedule_retry');
      if (effect?.type === 'schedule_retry') delays.push(effect.delayMs);
      assert.deepEqual(effectTypes(session.send({ type: 'retry_due' })), ['connect']);
    }
    return delays;
  }

  test('delays grow with each failed attempt, up to the cap', () => {
    const delays = flap(sessionIn('ready'), 8);
    assert.deepEqual(delays, [999, 1999, 3999, 7999, 15_999, 31_999, 59_999, 59_999]);
  });

  test('delays are jittered: another random, another delay, always within [50, ceiling]', () => {
    const randoms = [0, 0.2, 0.5, 0.8];
    for (const random of randoms) {
      const session = sessionIn('ready');
      session.random = random;
      const delays = flap(session, 6, [random]);
      delays.forEach((delay, attempt) => {
        assert.ok(delay >= 50 && delay <= backoffCeiling(DEFAULT_BACKOFF, attempt), `attempt ${attempt}: ${delay}`);
      });
    }
    const third = randoms.map((random) => flap(sessionIn('ready'), 3, [random])[2]);
    assert.equal(new Set(third).size, randoms.length);
  });

  test('gives up after maxRetries and names the last reason', () => {
    const policy: BackoffPolicy = { baseMs: 100, capMs: 1000, maxRetries: 3 };
    const session = sessionIn('ready', policy);
    flap(session, 3);
    assert.equal(session.state.attempt, 3);
    const last = session.send(closed(503));
    assert.deepEqual(effectTypes(last), []);
    assert.deepEqual([session.public.status, session.public.errorCode, session.public.phoneNumber], ['failed', 'retries_exhausted', PHONE]);
    assert.match(session.public.error ?? '', /3 failed attempts.*WhatsApp is unavailable right now\./);
    assert.deepEqual(effectTypes(session.send({ type: 'start' })), ['connect']);
    assert.equal(session.state.attempt, 0);
  });

  test('an open connection resets the attempts', () => {
    const session = sessionIn('ready');
    flap(session, 4);
    session.send({ type: 'open', phoneNumber: PHONE });
    assert.equal(session.state.attempt, 0);
    assert.deepEqual(flap(session, 1), [999]);
  });

  test('a 515 outside linking counts as an attempt, so a restart loop ends', () => {
    const session = sessionIn('ready', { baseMs: 100, capMs: 1000, maxRetries: 2 });
    assert.deepEqual(effectTypes(session.send(closed(515))), ['connect']);
    assert.deepEqual(effectTypes(session.send(closed(515))), ['connect']);
    session.send(closed(515));
    assert.deepEqual([session.public.status, session.public.errorCode], ['failed', 'retries_exhausted']);
  });

  test('440 never reconnects, whatever comes after it', () => {
    const session = sessionIn('ready');
    session.send(closed(440));
    assert.equal(session.public.errorCode, 'connection_replaced');
    const later = session.sendAll([closed(428), closed(515), { type: 'retry_due' }, { type: 'connecting' }, QR_2, { type: 'open', phoneNumber: PHONE }]);
    for (const result of later) assert.ok(!effectTypes(result).includes('connect'));
    assert.deepEqual([session.public.status, session.public.phoneNumber], ['failed', PHONE]);
  });
});

describe('linking with a pairing code', () => {
  test('requested while stopped: connect, ask once on the first QR, show the code, then link', () => {
    const session = new Session();
    assert.deepEqual(effectTypes(session.send({ type: 'request_pairing_code', phoneDigits: DIGITS })), ['connect']);
    assert.deepEqual([session.public.status, session.state.pairingPhone], ['connecting', DIGITS]);
    const first = session.send(QR_1);
    assert.deepEqual(first.effects, [{ type: 'request_pairing_code', phoneDigits: DIGITS }]);
    assert.equal(session.state.pairingPhone, null);
    assert.deepEqual(effectTypes(session.send(QR_2)), [], 'asked once only');
    session.send({ type: 'pairing_code', code: 'ABCD1234' });
    assert.deepEqual([session.public.status, session.public.pairingCode, session.public.qrCode], ['pairing', 'ABCD1234', null]);
    assert.equal(session.send(QR_1).changed, false, 'a rotating QR does not replace the code');
    const restart = session.send(closed(515));
    assert.deepEqual(effectTypes(restart), ['connect'], 'the normal restart after linking keeps the credentials');
    session.send({ type: 'open', phoneNumber: PHONE });
    assert.deepEqual([session.public.status, session.public.pairingCode], ['ready', null]);
  });

  test('requested while connecting: remembered until the first QR', () => {
    const session = sessionIn('connecting');
    session.send({ type: 'request_pairing_code', phoneDigits: '971501234567' });
    assert.deepEqual(session.send(QR_1).effects, [{ type: 'request_pairing_code', phoneDigits: '971501234567' }]);
  });

  test('requested again while a code is shown: asked at once', () => {
    const session = sessionIn('pairing');
    assert.deepEqual(session.send({ type: 'request_pairing_code', phoneDigits: DIGITS }).effects, [{ type: 'request_pairing_code', phoneDigits: DIGITS }]);
  });

  test('refused once linked', () => {
    const result = sessionIn('ready').send({ type: 'request_pairing_code', phoneDigits: DIGITS });
    assert.deepEqual(result.rejected, { code: 'invalid_state', message: 'The number is already linked; log out first.' });
  });

  test('a code never typed fails as pairing_failed and wipes the half-written credentials', () => {
    const session = sessionIn('pairing');
    const result = session.send(closed(408, 'QR refs attempts ended'));
    assert.deepEqual(effectTypes(result), ['wipe_credentials']);
    assert.deepEqual([session.public.status, session.public.errorCode, session.public.error], ['failed', 'pairing_failed', 'The pairing code was not entered in time.']);
  });

  test('a failed code request fails the session with the reason given', () => {
    const session = sessionIn('qr');
    session.send({ type: 'pairing_code_failed', message: 'WhatsApp did not give a pairing code.' });
    assert.deepEqual([session.public.status, session.public.errorCode, session.public.error], ['failed', 'pairing_failed', 'WhatsApp did not give a pairing code.']);
  });
});

describe('unlinking', () => {
  test('logout from Wasla: logged_out at once, unlink remotely, wipe', () => {
    const session = sessionIn('ready');
    const result = session.send({ type: 'logout' });
    assert.deepEqual(result.effects, [{ type: 'cancel_retry' }, { type: 'logout_remote' }, { type: 'wipe_credentials' }] satisfies SessionEffect[]);
    assert.deepEqual([session.public.status, session.public.errorCode, session.public.error, session.public.phoneNumber], ['logged_out', 'logged_out_by_user', 'Logged out from Wasla: the phone was unlinked from the dashboard or the API.', null]);
    assert.equal(session.send(closed(401)).changed, false, 'the close that follows changes nothing');
  });

  test('411 wipes and starts again for a new QR', () => {
    const session = sessionIn('ready');
    session.send(closed(411));
    assert.deepEqual([session.public.status, session.public.phoneNumber, session.public.error], ['connecting', null, null]);
    session.send(QR_1);
    assert.equal(session.public.status, 'qr');
  });
});

describe("the number's restriction", () => {
  const restriction = { code: '463', since: '2025-03-01T09:00:00.000Z', reason: 'WhatsApp restricted this account.' };

  test('kept through disconnects, a logout and relinking, stored once; lifted only by a person, stored again', () => {
    const session = sessionIn('ready');
    assert.deepEqual(session.send({ type: 'restricted', restriction }).effects, [{ type: 'store_restriction', restriction }]);
    assert.equal(session.send({ type: 'restricted', restriction: { ...restriction, since: '2025-03-02T00:00:00.000Z' } }).changed, false, 'the first moment stays');
    session.sendAll([closed(428), { type: 'retry_due' }, { type: 'open', phoneNumber: PHONE }, { type: 'logout' }, { type: 'start' }, QR_1, closed(515), { type: 'open', phoneNumber: PHONE }]);
    assert.deepEqual([session.public.status, session.public.restriction], ['ready', restriction]);
    const lifted = session.send({ type: 'lift_restriction' });
    assert.deepEqual([lifted.changed, lifted.effects, session.public.restriction], [true, [{ type: 'store_restriction', restriction: null }], null]);
  });

  test('a boot starts from the stored restriction', () => {
    assert.deepEqual(initialState('default', 1, new Date(), restriction).public.restriction, restriction);
  });
});
