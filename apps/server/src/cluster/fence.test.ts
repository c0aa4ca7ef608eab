import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { DEFAULT_CAMPAIGN_LIMITS } from '@wasla/protocol';
import type { SessionTransition } from '@wasla/protocol';
import { AppError } from '../errors/app-error.js';
import { OutboxStore } from '../modules/campaigns/outbox-store.js';
import { RecipientsRepository } from '../modules/campaigns/recipients-repository.js';
import { CampaignsRepository } from '../modules/campaigns/repository.js';
import { SessionsRepository } from '../modules/sessions/repository.js';
import type { Storage } from '../storage/db.js';
import { forEachDatabase } from '../storage/testing.js';
import { WaAuthRepository } from '../storage/wa-auth-repository.js';
import { LeaseFence, LeaseLostError } from './fence.js';
import { LeaseRepository } from './leases.js';
import { until } from './testing.js';

const SESSION = 'fenced';
const AT = '2026-01-01T10:00:00.000Z';
const TTL = 15_000;

/** One instance of the cluster: its leases, the fence over them, and the session's repositories behind it. */
function instance(storage: Storage, instanceId: string, options: { leaseTtlMs?: number; fenceTtlMs?: number } = {}) {
  const tokens = new Map<string, number>();
  const leases = new LeaseRepository(storage, { instanceId, ttlMs: options.leaseTtlMs ?? TTL });
  const fence = new LeaseFence(storage, { instanceId, ttlMs: options.fenceTtlMs ?? TTL, tokenOf: (sessionId) => tokens.get(sessionId) ?? null });
  return {
    leases,
    fence,
    auth: new WaAuthRepository(storage.db, () => new Date(AT), fence),
    sessions: new SessionsRepository(storage.db, () => new Date(AT), fence),
    outbox: new OutboxStore(storage.db, fence),
    async take(sessionId = SESSION) {
      const lease = await leases.acquire(sessionId);
      assert.ok(lease, `${instanceId} takes ${sessionId}`);
      tokens.set(sessionId, lease.token);
      return lease;
    },
  };
}

function transition(rev: number): SessionTransition {
  return { sessionId: SESSION, epoch: 1, rev, from: 'connecting', to: 'ready', event: 'open', errorCode: null, error: null, at: AT };
}

const message = (id: string, seq: number) => ({ id, sessionId: SESSION, peer: `+96650100000${seq}`, text: `Hi ${seq}` });

forEachDatabase('fenced session writes', (database) => {
  const db = () => database.storage.db;
  /** As if the owner had been paused past its TTL: the lease runs out now. */
  const runOut = (sessionId = SESSION) => db().updateTable('session_leases').set({ expires_at: 0 }).where('session_id', '=', sessionId).execute();
  const creds = async () => (await db().selectFrom('wa_creds').select('creds').where('session_id', '=', SESSION).executeTakeFirst())?.creds ?? null;
  const keyCount = async () => Number((await db().selectFrom('wa_keys').select((eb) => eb.fn.countAll().as('n')).where('session_id', '=', SESSION).executeTakeFirstOrThrow()).n);
  const recipientStatus = async (seq: number) => (await db().selectFrom('campaign_recipients').select('status').where('campaign_id', '=', 'C').where('seq', '=', seq).executeTakeFirstOrThrow()).status;
  const messageExists = async (id: string) => (await db().selectFrom('messages').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  const isLeaseLost = (error: unknown) => error instanceof LeaseLostError && error.sessionId === SESSION;

  let a: ReturnType<typeof instance>;
  let b: ReturnType<typeof instance>;
  before(async () => {
    a = instance(database.storage, 'a');
    b = instance(database.storage, 'b');
    await new SessionsRepository(db()).ensure(SESSION);
    await new CampaignsRepository(db()).insert({
      id: 'C', sessionId: SESSION, name: 'C', template: 'Hi', status: 'running', options: { missingValues: 'refuse' }, limits: DEFAULT_CAMPAIGN_LIMITS,
      scheduledAt: null, pause: null, createdAt: AT, updatedAt: AT, startedAt: AT, finishedAt: null, createdBy: null,
    });
    const recipients = new RecipientsRepository(db());
    const pending = [1, 2, 3, 4, 5, 6].map((n) => ({ phone: `+96650100000${n}`, name: null, variables: {}, line: n, status: 'pending' as const, reason: null, error: null }));
    await recipients.insertRecipients(db(), 'C', 0, pending, AT);
  });

  it("the owner writes the session's credentials, keys, state and timeline, and claims its recipients", async () => {
    await a.take();
    await a.auth.writeCreds(SESSION, '{"by":"a"}');
    await a.auth.writeKeys(SESSION, [{ type: 'pre-key', id: '1', value: '"a"' }]);
    assert.equal(await a.sessions.setPhoneNumber(SESSION, '+966501234567'), true);
    assert.equal(await a.sessions.setDesiredState(SESSION, 'running'), true);
    assert.equal(await a.sessions.setRestriction(SESSION, { code: '463', since: AT, reason: 'restricted' }), true);
    await a.sessions.recordTransition(transition(1));
    assert.equal(await a.outbox.claim({ campaignId: 'C', seq: 1 }, message('M1', 1), AT), true);
    assert.deepEqual([await creds(), await keyCount(), await recipientStatus(1), await messageExists('M1')], ['{"by":"a"}', 1, 'sending', true]);
  });

  it('an ex-owner whose lease was taken over writes nothing: not the credentials, keys, state, timeline, nor a claim', async () => {
    await runOut();
    await b.take();
    const writes: [string, () => Promise<unknown>][] = [
      ['creds', () => a.auth.writeCreds(SESSION, '{"by":"stale a"}')],
      ['keys', () => a.auth.writeKeys(SESSION, [{ type: 'pre-key', id: '1', value: '"stale"' }, { type: 'pre-key', id: '2', value: '"stale"' }])],
      ['wipe', () => a.auth.wipe(SESSION)],
      ['phone', () => a.sessions.setPhoneNumber(SESSION, '+966500000000')],
      ['desired state', () => a.sessions.setDesiredState(SESSION, 'stopped')],
      ['restriction', () => a.sessions.setRestriction(SESSION, null)],
      ['timeline', () => a.sessions.recordTransition(transition(2))],
      ['claim', () => a.outbox.claim({ campaignId: 'C', seq: 2 }, message('M2', 2), AT)],
    ];
    for (const [what, write] of writes) await assert.rejects(write(), isLeaseLost, what);

    assert.equal(await creds(), '{"by":"a"}');
    assert.deepEqual(Object.fromEntries(await a.auth.readKeys(SESSION, 'pre-key', ['1', '2'])), { 1: '"a"' });
    const session = await a.sessions.get(SESSION);
    assert.deepEqual([session?.phoneNumber, session?.desiredState, session?.restriction?.code], ['+966501234567', 'running', '463']);
    assert.deepEqual((await a.sessions.listTransitions(SESSION, 10)).map((row) => row.rev), [1]);
    assert.equal(await recipientStatus(2), 'pending');
    assert.equal(await messageExists('M2'), false);
  });

  it('the new owner writes all of them', async () => {
    await b.auth.writeCreds(SESSION, '{"by":"b"}');
    await b.auth.writeKeys(SESSION, [{ type: 'pre-key', id: '2', value: '"b"' }]);
    assert.equal(await b.sessions.setPhoneNumber(SESSION, '+966507654321'), true);
    assert.equal(await b.sessions.setDesiredState(SESSION, 'stopped'), true);
    assert.equal(await b.sessions.setRestriction(SESSION, null), true);
    await b.sessions.recordTransition(transition(2));
    assert.equal(await b.outbox.claim({ campaignId: 'C', seq: 2 }, message('M2', 2), AT), true);
    assert.deepEqual([await creds(), await keyCount(), await recipientStatus(2), await messageExists('M2')], ['{"by":"b"}', 2, 'sending', true]);
    await b.auth.wipe(SESSION);
    assert.deepEqual([await creds(), await keyCount()], [null, 0]);
  });

  it('nothing partial: a refused key batch written in several statements leaves no key, a refused claim no message', async () => {
    // 1,200 keys go in three statements; the fence's check comes before the first.
    const batch = Array.from({ length: 1200 }, (_, index) => ({ type: 'session', id: `k${index}`, value: '{}' }));
    await assert.rejects(a.auth.writeKeys(SESSION, batch), isLeaseLost);
    assert.equal(await keyCount(), 0);
    await b.auth.writeKeys(SESSION, batch);
    assert.equal(await keyCount(), 1200);
    await assert.rejects(a.outbox.claim({ campaignId: 'C', seq: 3 }, message('M3', 3), AT), isLeaseLost);
    assert.deepEqual([await recipientStatus(3), await messageExists('M3')], ['pending', false]);
  });

  it('a lease that ran out refuses its holder until renewed, even when nobody took it', async () => {
    const lease = await b.leases.owner(SESSION);
    assert.ok(lease);
    await runOut();
    await assert.rejects(b.auth.writeCreds(SESSION, '{"by":"lapsed b"}'), isLeaseLost);
    assert.ok(await b.leases.renew(lease));
    await b.auth.writeCreds(SESSION, '{"by":"b again"}');
    assert.equal(await creds(), '{"by":"b again"}');
  });

  it('an instance that holds no lease on the session is refused, and the error says so for the API', async () => {
    const stranger = instance(database.storage, 'stranger');
    await assert.rejects(stranger.sessions.setPhoneNumber(SESSION, null), (error: unknown) => {
      assert.ok(isLeaseLost(error));
      assert.ok(error instanceof AppError);
      assert.deepEqual([error.code, error.statusCode], ['unavailable', 503]);
      return true;
    });
  });

  it('without a fence (one process), writes go through whoever holds a lease', async () => {
    await new WaAuthRepository(db()).writeCreds(SESSION, '{"by":"single"}');
    assert.equal(await new OutboxStore(db()).claim({ campaignId: 'C', seq: 4 }, message('M4', 4), AT), true);
    assert.equal(await creds(), '{"by":"single"}');
  });

  if (database.dialect === 'postgres') racesOnPostgres(database, { runOut, recipientStatus });
});

/** What only PostgreSQL has: writers and takers on separate connections at the same moment. */
function racesOnPostgres(
  database: { storage: Storage; reopen(): Promise<Storage> },
  shared: { runOut(): Promise<unknown>; recipientStatus(seq: number): Promise<string> },
): void {
  let other: Storage;
  before(async () => {
    other = await database.reopen();
  });
  after(async () => {
    await other.close();
  });

  const blockedBy = async (pid: number) => {
    const { rows } = await sql<{ n: number }>`select count(*) as n from pg_stat_activity where ${pid} = any(pg_blocking_pids(pid))`.execute(database.storage.db);
    return Number(rows[0]?.n) > 0;
  };

  it('a takeover racing a write waits for it to commit: the write lands, then the new owner holds the session', async () => {
    // The owner's lease is short; its fence's idle limit is long, so only the race is tested here.
    const owner = instance(database.storage, 'slow-owner', { leaseTtlMs: 1000, fenceTtlMs: 60_000 });
    const taker = instance(other, 'taker');
    const lease = await owner.take('race');
    await new SessionsRepository(database.storage.db).ensure('race');

    let checked!: (pid: number) => void;
    const pid = new Promise<number>((resolve) => (checked = resolve));
    let proceed!: () => void;
    const gate = new Promise<void>((resolve) => (proceed = resolve));
    const write = owner.fence.guard(database.storage.db, 'race', async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      checked(Number(rows[0]?.pid));
      await gate;
      await trx.updateTable('wa_sessions').set({ phone_number: '+966501111111' }).where('id', '=', 'race').execute();
    });
    const writer = await pid;
    await until(async () => (await taker.leases.owner('race')) === null, "the owner's lease ran out");

    let taken = false;
    const takeover = taker.take('race').then((newLease) => ((taken = true), newLease));
    await until(() => blockedBy(writer), 'the takeover waits on the write');
    assert.equal(taken, false);
    proceed();
    await write;
    assert.ok((await takeover).token > lease.token, 'a new token');
    assert.equal((await new SessionsRepository(database.storage.db).get('race'))?.phoneNumber, '+966501111111');
    await assert.rejects(owner.sessions.setPhoneNumber('race', null), LeaseLostError);
  });

  it("a writer paused inside its write can't hold a takeover up: PostgreSQL ends it after half the TTL, and none of it is written", async () => {
    const paused = instance(database.storage, 'paused', { leaseTtlMs: 1000, fenceTtlMs: 1000 });
    const taker = instance(other, 'patient-taker');
    await shared.runOut();
    const lease = await paused.take();

    let checked!: () => void;
    const inside = new Promise<void>((resolve) => (checked = resolve));
    let wake!: () => void;
    const pause = new Promise<void>((resolve) => (wake = resolve));
    const write = paused.outbox.db.transaction().execute((trx) =>
      paused.fence.guard(trx, SESSION, async (trx) => {
        checked();
        await pause;
        await trx.updateTable('campaign_recipients').set({ status: 'sending', message_id: 'M5' }).where('campaign_id', '=', 'C').where('seq', '=', 5).execute();
      }),
    );
    write.catch(() => undefined);
    await inside;
    await until(async () => (await taker.leases.owner(SESSION)) === null, "the paused owner's lease ran out");
    const taken = await taker.take();
    assert.ok(taken.token > lease.token, 'a new token');
    wake();
    await assert.rejects(write, /idle-in-transaction|connection/i);
    assert.equal(await shared.recipientStatus(5), 'pending');
    assert.equal(await taker.outbox.claim({ campaignId: 'C', seq: 5 }, message('M5', 5), AT), true);
  });
}
