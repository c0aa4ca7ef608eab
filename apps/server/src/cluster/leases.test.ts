import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Storage } from '../storage/db.js';
import { forEachDatabase } from '../storage/testing.js';
import { InstanceRegistry } from './instances.js';
import { LeaseRepository } from './leases.js';
import type { Lease } from './leases.js';
import { databaseMs, until } from './testing.js';

const TTL = 15_000;

forEachDatabase('LeaseRepository', (database) => {
  const leases = (instanceId: string, ttlMs = TTL, storage: Storage = database.storage) => new LeaseRepository(storage, { instanceId, ttlMs });

  it('grants a free lease with a token of the database clock in ms, expiring a TTL from now by that clock; nobody else gets it', async () => {
    const ticks = [1000];
    const a = new LeaseRepository(database.storage, { instanceId: 'a', ttlMs: TTL, monotonicNow: () => ticks[0] ?? 0 });
    const before = await databaseMs(database.storage);
    const lease = await a.acquire('s1');
    const afterwards = await databaseMs(database.storage);
    assert.ok(lease);
    assert.deepEqual([lease.sessionId, lease.owner, lease.localDeadline], ['s1', 'a', 1000 + TTL]);
    // Also the epoch of the owner's states: later than a single process's (its start time).
    assert.ok(lease.token >= before && lease.token <= afterwards, `token ${lease.token} in [${before}, ${afterwards}]`);
    assert.ok(lease.expiresAt >= before + TTL && lease.expiresAt <= afterwards + TTL, `${lease.expiresAt} in [${before}, ${afterwards}] + TTL`);

    assert.equal(await leases('b').acquire('s1'), null);
    assert.equal(await a.acquire('s1'), null, 'its holder renews; acquiring again would fence out its own writes');
    assert.deepEqual(await leases('b').owner('s1'), { sessionId: 's1', owner: 'a', token: lease.token, expiresAt: lease.expiresAt });
    assert.equal(await a.owner('never-taken'), null);
  });

  it('renews only for the holder with the current token', async () => {
    const a = leases('a');
    const lease = await a.acquire('s2');
    assert.ok(lease);
    const renewed = await a.renew(lease);
    assert.ok(renewed);
    assert.equal(renewed.token, lease.token);
    assert.ok(renewed.expiresAt >= lease.expiresAt);
    assert.equal(await leases('b').renew(lease), null, 'not the holder');
    assert.equal(await a.renew({ ...lease, token: lease.token - 1 }), null, 'an old token');
  });

  it('renews many leases in one statement, each only for its holder with its current token', async () => {
    const [a, b] = [leases('a'), leases('b')];
    const mine = await Promise.all(['many-1', 'many-2', 'many-3'].map((sessionId) => a.acquire(sessionId)));
    const theirs = await b.acquire('many-4');
    assert.ok(mine.every((lease) => lease !== null) && theirs);
    const [one, two, three] = mine as Lease[];
    assert.ok(one && two && three);
    await a.release(three);
    await b.acquire('many-3');
    const renewed = await a.renewAll([one, { ...two, token: two.token + 1 }, three, { ...theirs, owner: 'a' }]);
    assert.deepEqual(renewed.map((lease) => lease.sessionId), ['many-1'], 'not an old token, a lease taken since, nor another instance\'s');
    assert.ok((renewed[0]?.expiresAt ?? 0) >= one.expiresAt);
    assert.deepEqual(await a.renewAll([]), []);
  });

  it('takes many free or expired leases in one statement, and none that is held', async () => {
    const [a, b] = [leases('a'), leases('b')];
    const held = await b.acquire('batch-2');
    const released = await b.acquire('batch-3');
    assert.ok(held && released);
    await b.release(released);
    const taken = await a.acquireAll(['batch-3', 'batch-1', 'batch-2', 'batch-1']);
    assert.deepEqual(taken.map(({ sessionId, owner }) => [sessionId, owner]).sort(), [['batch-1', 'a'], ['batch-3', 'a']]);
    assert.ok((taken.find((lease) => lease.sessionId === 'batch-3')?.token ?? 0) > released.token, 'a new token for the released one');
    assert.equal((await a.owner('batch-2'))?.owner, 'b');
    assert.deepEqual(await a.acquireAll([]), []);
  });

  it('releases at once: another instance takes it with the next token, and the old holder has lost it', async () => {
    const [a, b] = [leases('a'), leases('b')];
    const first = await a.acquire('s3');
    assert.ok(first);
    assert.equal(await b.release(first), false, 'only the holder releases');
    assert.equal(await a.release(first), true);
    assert.equal(await a.owner('s3'), null);
    const second = await b.acquire('s3');
    assert.ok(second && second.token > first.token, 'a new token');
    assert.equal(await a.renew(first), null);
    assert.equal(await a.release(first), false);
  });

  it('tokens only grow, whoever takes the session, and are never reused', async () => {
    const instances = ['a', 'b', 'c'].map((id) => leases(id));
    const tokens: number[] = [];
    for (let round = 0; round < 6; round++) {
      const repository = instances[round % 3]!;
      const lease = await repository.acquire('s4');
      assert.ok(lease, `round ${round}`);
      tokens.push(lease.token);
      assert.equal(await repository.release(lease), true);
    }
    assert.ok(tokens.every((token, index) => index === 0 || token > tokens[index - 1]!), `tokens ${tokens.join(', ')} only grow`);
  });

  it('a lease runs out after its TTL by the database clock, and is then taken with a new token', async () => {
    const a = leases('a', 1000);
    const lease = await a.acquire('s5');
    assert.ok(lease);
    assert.equal(await leases('b').acquire('s5'), null);
    await until(async () => (await a.owner('s5')) === null, 'the lease expired');
    assert.ok((await databaseMs(database.storage)) >= lease.expiresAt);
    const taken = await leases('b').acquire('s5');
    assert.ok(taken && taken.token > lease.token, 'a new token');
    assert.equal(await a.renew(lease), null);
  });

  it('a lease that ran out but was not taken is renewed by its holder with the same token', async () => {
    const a = leases('a', 1000);
    const lease = await a.acquire('s6');
    assert.ok(lease);
    await until(async () => (await a.owner('s6')) === null, 'the lease expired');
    const renewed = await a.renew(lease);
    assert.equal(renewed?.token, lease.token);
    assert.equal((await a.owner('s6'))?.owner, 'a');
  });

  it('lists the leases held now', async () => {
    const [a, b] = [leases('a'), leases('b')];
    await a.acquire('list-1');
    await b.acquire('list-2');
    const released = await b.acquire('list-3');
    assert.ok(released);
    await b.release(released);
    const held = (await a.list()).filter((lease) => lease.sessionId.startsWith('list-'));
    assert.deepEqual(held.map((lease) => [lease.sessionId, lease.owner]), [['list-1', 'a'], ['list-2', 'b']]);
  });

  it('records every lease row, held or not, with who held it last', async () => {
    const [a, b] = [leases('a'), leases('b', 1000)];
    await a.acquire('record-1');
    const released = await a.acquire('record-2');
    assert.ok(released);
    await a.release(released);
    const expiring = await b.acquire('record-3');
    assert.ok(expiring);
    await until(async () => (await b.owner('record-3')) === null, 'the lease expired');
    const records = (await a.records()).filter((record) => record.sessionId.startsWith('record-'));
    assert.deepEqual(records.map(({ sessionId, owner, held }) => ({ sessionId, owner, held })), [
      { sessionId: 'record-1', owner: 'a', held: true },
      { sessionId: 'record-2', owner: 'a', held: false },
      { sessionId: 'record-3', owner: 'b', held: false },
    ]);
    assert.deepEqual(records.map((record) => record.token), [records[0]?.token, released.token, expiring.token]);
  });

  it('hands a lease over to a live instance only: the taker gets the next token, the giver loses it', async () => {
    const registry = new InstanceRegistry(database.storage, { ttlMs: TTL });
    await registry.register({ id: 'live', address: '10.0.0.2:3000', pid: 2 });
    await registry.register({ id: 'leaving', address: '10.0.0.3:3000', pid: 3 });
    await registry.markLeaving('leaving');
    await database.storage.db.insertInto('instances').values({ id: 'silent', address: '10.0.0.4:3000', pid: 4, started_at: 0, heartbeat_at: 0 }).execute();
    const a = leases('a');
    const lease = await a.acquire('s7');
    assert.ok(lease);

    for (const target of ['nobody', 'leaving', 'silent']) assert.equal(await a.handOver(lease, target), null, target);
    await assert.rejects(a.handOver(lease, 'a'), RangeError);
    assert.equal((await a.owner('s7'))?.token, lease.token, 'a refused hand-over changes nothing');

    const given = await a.handOver(lease, 'live');
    assert.equal(given?.owner, 'live');
    assert.ok(given && given.token > lease.token, 'a new token');
    assert.deepEqual(await a.owner('s7'), given);
    assert.equal(await a.renew(lease), null);
    assert.equal(await a.handOver(lease, 'live'), null, 'only once');
    const renewedByTaker = await leases('live').renew(given!);
    assert.equal(renewedByTaker?.token, given?.token);
  });

  forEachRace(database, leases);
});

/** Several instances, each on its own connection pool, acquire the same sessions at once. */
function forEachRace(database: { storage: Storage; reopen(): Promise<Storage> }, leases: (instanceId: string, ttlMs: number, storage: Storage) => LeaseRepository): void {
  const pools: Storage[] = [];
  before(async () => {
    for (let index = 0; index < 3; index++) pools.push(await database.reopen());
  });
  after(async () => {
    for (const pool of pools) await pool.close();
  });

  it('two or more instances acquiring at once, from separate connections: exactly one wins', async () => {
    const contenders = Array.from({ length: 6 }, (_, index) => leases(`racer-${index}`, TTL, pools[index % pools.length]!));
    for (let round = 0; round < 5; round++) {
      const sessionId = `race-${round}`;
      // A fresh session (two inserts meet) in even rounds; a released lease (two updates meet) in odd ones.
      let previous: Lease | null = null;
      if (round % 2 === 1) {
        previous = await contenders[0]!.acquire(sessionId);
        assert.ok(previous);
        await contenders[0]!.release(previous);
      }
      const results = await Promise.all(contenders.map((contender) => contender.acquire(sessionId)));
      const winners = results.filter((result) => result !== null);
      assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
      assert.ok((winners[0]?.token ?? 0) > (previous?.token ?? 0), 'a new token');
      assert.deepEqual(await contenders[1]!.owner(sessionId), { sessionId, owner: winners[0]?.owner, token: winners[0]?.token, expiresAt: winners[0]?.expiresAt });
    }
  });
}
