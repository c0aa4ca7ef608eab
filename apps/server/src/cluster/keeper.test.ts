import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, afterEach, before, it } from 'node:test';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Storage } from '../storage/db.js';
import type { Database } from '../storage/schema.js';
import { forEachDatabase } from '../storage/testing.js';
import { LeaseFence, LeaseLostError } from './fence.js';
import type { KeeperEvent } from './keeper-testing.js';
import { TestCluster } from './keeper-testing.js';

/** Short, so that a failover takes seconds; long enough that a loaded machine (a tick late by a second) renews in time. */
const TTL = 1500;
const THREE = ['a', 'b', 'c'];

const acquired = (events: readonly KeeperEvent[]) => events.filter((event): event is Extract<KeeperEvent, { kind: 'acquired' }> => event.kind === 'acquired');

// Cluster mode is refused with SQLite (config.ts): several instances share PostgreSQL.
forEachDatabase('SessionKeeper', (database) => {
  if (database.dialect !== 'postgres') {
    it('runs only on PostgreSQL', { skip: 'cluster mode is refused with SQLite' }, () => undefined);
    return;
  }

  const pools: Storage[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  let cluster: TestCluster | undefined;

  before(async () => {
    for (let index = 0; index < 4; index++) pools.push(await database.reopen());
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    for (const pool of pools) await pool.close();
  });
  afterEach(async () => {
    await cluster?.halt();
    // Halted keepers would look live for another TTL, and take part in the next test's placement.
    await database.storage.db.deleteFrom('instances').execute();
    assert.deepEqual(cluster?.violations ?? [], []);
    assert.deepEqual(unhandled, []);
  });

  /**
   * Keepers with ids `ids`, over nine sessions named after the test (each test has its
   * own); the names decide the placement, which each test states.
   */
  async function startCluster(name: string, ids: readonly string[] = THREE): Promise<TestCluster> {
    const sessions = Array.from({ length: 9 }, (_, index) => `${name}-${index}`);
    cluster = new TestCluster(database.storage, pools, sessions, TTL);
    for (const id of ids) await cluster.start(id);
    await cluster.settled(ids);
    return cluster;
  }

  const leaseRows = async (sessions: readonly string[]) =>
    database.storage.db.selectFrom('session_leases').select(['session_id', 'owner_instance', 'token']).where('session_id', 'in', sessions).orderBy('session_id').execute();

  it('three keepers, nine sessions: each owned by exactly one, where placement spreads it', async () => {
    const three = await startCluster('spread');
    const placement = three.placement(THREE);
    const owners = new Map<string, string>();
    for (const id of THREE) {
      const owned = three.keeper(id).owned();
      // Rendezvous hashing spreads 9 sessions over 3 instances 3/3/3 for these names (others may vary by a few).
      assert.equal(owned.length, 3, `${id} owns ${owned.length} of 9`);
      for (const { sessionId } of owned) {
        assert.equal(owners.get(sessionId), undefined, `${sessionId} owned twice`);
        owners.set(sessionId, id);
      }
    }
    assert.deepEqual(new Map([...owners].sort()), new Map([...placement].sort()));
    const rows = await leaseRows(three.sessions);
    assert.deepEqual(rows.map((row) => [row.session_id, row.owner_instance]), [...placement].sort());
    // Started together, they saw each other before placing anything: nothing was taken twice.
    assert.deepEqual(acquired(three.events).map((event) => event.cause), Array(9).fill('free'));
    assert.equal(three.events.length, 9);
    const ownedByA = three.sessions.find((sessionId) => placement.get(sessionId) === 'a') ?? '';
    assert.equal(three.keeper('a').tokenOf(ownedByA), rows.find((row) => row.session_id === ownedByA)?.token);
  });

  it("a killed keeper's sessions are taken by the others within the TTL and a tick, as a failover, with new tokens", async () => {
    const three = await startCluster('kill');
    const victim = three.keeper('b').owned();
    assert.ok(victim.length > 0);
    const killedAt = performance.now();
    three.kill('b');
    await three.settled(['a', 'c']);

    const takeovers = acquired(three.events).filter((event) => event.at > killedAt);
    assert.deepEqual(takeovers.map((event) => event.sessionId).sort(), victim.map((lease) => lease.sessionId).sort(), 'only its sessions moved');
    for (const takeover of takeovers) {
      assert.equal(takeover.cause, 'expired');
      assert.ok(takeover.token > (victim.find((lease) => lease.sessionId === takeover.sessionId)?.token ?? Infinity), 'a new token');
      // The lease runs out at most a TTL after it was killed; the next tick of a survivor takes it.
      assert.ok(takeover.at - killedAt <= TTL + three.keeper('a').tickMs + 250, `taken ${Math.round(takeover.at - killedAt)} ms after the kill`);
    }
    const counters = [three.keeper('a').counters(), three.keeper('c').counters()];
    assert.equal(counters[0]!.takeovers.expired + counters[1]!.takeovers.expired, victim.length);
  });

  it('a paused keeper loses its leases at its deadline without a statement, and once it resumes its old tokens are refused', async () => {
    const three = await startCluster('pause');
    const sleeper = three.keeper('c');
    const held = sleeper.owned();
    assert.ok(held.length > 0);
    const resume = await sleeper.pause();
    const statements = three.line('c').statements;

    await three.waitFor(() => held.every(({ sessionId }) => three.events.some((event) => event.kind === 'lost' && event.keeper === 'c' && event.sessionId === sessionId)), 'the paused keeper lost every lease');
    assert.equal(three.line('c').statements, statements, 'no statement was sent while it was paused');
    assert.ok(three.events.filter((event) => event.kind === 'lost').every((event) => event.kind === 'lost' && event.reason === 'deadline'));
    assert.deepEqual(sleeper.owned(), []);
    assert.equal(sleeper.counters().losses.deadline, held.length);
    await three.settled(['a', 'b']);
    assert.ok(acquired(three.events).filter((event) => event.keeper !== 'c' && held.some((lease) => lease.sessionId === event.sessionId)).every((event) => event.cause === 'expired'));

    const write = (trx: Kysely<Database>) => sql`select 1`.execute(trx);
    for (const { sessionId, token } of held) {
      const stale = new LeaseFence(database.storage, { instanceId: 'c', ttlMs: TTL, tokenOf: () => token });
      await assert.rejects(stale.guard(database.storage.db, sessionId, write), LeaseLostError, 'the old token');
      const current = new LeaseFence(database.storage, { instanceId: 'c', ttlMs: TTL, tokenOf: (id) => sleeper.tokenOf(id) });
      await assert.rejects(current.guard(database.storage.db, sessionId, write), LeaseLostError, 'what the keeper says now');
    }

    const resumedAt = performance.now();
    resume();
    await sleeper.afterNextTick();
    await three.settled(THREE);
    const again = acquired(three.events).filter((event) => event.keeper === 'c' && event.at > resumedAt);
    for (const event of again) {
      assert.equal(event.cause, 'handover', 'it gets sessions back only from their owners, never by resuming');
      assert.ok(event.token > (held.find((lease) => lease.sessionId === event.sessionId)?.token ?? 0));
    }
  });

  it('a keeper that joins gets its share through releasing and hand-over: never two owners, never a gap past a tick', async () => {
    const four = await startCluster('join');
    const before = four.placement(THREE);
    const joinedAt = performance.now();
    const d = await four.start('d');
    await four.settled([...THREE, 'd']);
    const after = four.placement([...THREE, 'd']);
    const moved = four.sessions.filter((sessionId) => before.get(sessionId) !== after.get(sessionId)).sort();
    assert.equal(moved.length, 4, 'placement gives the new keeper 4 of these 9');

    const events = four.events.filter((event) => event.at > joinedAt);
    assert.deepEqual(acquired(events).map((event) => [event.sessionId, event.keeper, event.cause]).sort(), moved.map((sessionId) => [sessionId, 'd', 'handover']));
    for (const sessionId of moved) {
      const released = events.find((event) => event.kind === 'released' && event.sessionId === sessionId);
      const taken = acquired(events).find((event) => event.sessionId === sessionId);
      assert.equal(released?.keeper, before.get(sessionId));
      assert.ok(released && taken && released.at <= taken.at);
      assert.ok(taken.at - released.at <= d.tickMs + 250, `${sessionId} ran nowhere for ${Math.round(taken.at - released.at)} ms`);
    }
    assert.ok(!events.some((event) => event.kind === 'lost'));
    await four.checked();
  });

  it('a keeper that stops hands every session to the others at once, not after the TTL', async () => {
    const three = await startCluster('stop');
    const leaving = three.keeper('c').owned();
    assert.ok(leaving.length > 0);
    const stoppedAt = performance.now();
    await three.keeper('c').stop();
    await three.settled(['a', 'b']);

    const taken = acquired(three.events).filter((event) => event.at > stoppedAt);
    assert.deepEqual(taken.map((event) => event.sessionId).sort(), leaving.map((lease) => lease.sessionId).sort());
    for (const event of taken) {
      assert.equal(event.cause, 'handover');
      assert.ok(event.at - stoppedAt < TTL, `taken ${Math.round(event.at - stoppedAt)} ms after the stop began`);
    }
    assert.equal(three.events.filter((event) => event.kind === 'released' && event.keeper === 'c').length, leaving.length);
    assert.equal(three.keeper('c').counters().handedOver, leaving.length);
    assert.equal(await database.storage.db.selectFrom('instances').select('id').where('id', '=', 'c').executeTakeFirst(), undefined, 'its instance row is gone');
  });

  it('a keeper cut off from the database loses its leases at the deadline, logs why, and takes them again once it is back', async () => {
    const alone = await startCluster('cut', ['a']);
    const held = alone.keeper('a').owned();
    assert.equal(held.length, 9);
    alone.line('a').cut = true;
    await alone.waitFor(() => alone.keeper('a').owned().length === 0 && alone.events.filter((event) => event.kind === 'lost').length === 9, 'every lease was lost');
    assert.ok(alone.logs.some((log) => log.msg.includes('heartbeat failed')));
    assert.ok(alone.logs.some((log) => log.msg.includes('renewing the leases failed') && held.every((lease) => log.sessionIds?.includes(lease.sessionId))), 'a failed renewal is logged with its sessions');
    assert.ok(alone.logs.some((log) => log.msg.includes('lost') && log.sessionId === held[0]?.sessionId), 'each loss is logged with its session');

    const backAt = performance.now();
    alone.line('a').cut = false;
    await alone.settled(['a']);
    for (const event of acquired(alone.events).filter((event) => event.at > backAt)) {
      assert.equal(event.cause, 'expired');
      assert.ok(event.token > (held.find((lease) => lease.sessionId === event.sessionId)?.token ?? Infinity), 'never resumed under the token it lost');
    }
  });
});
