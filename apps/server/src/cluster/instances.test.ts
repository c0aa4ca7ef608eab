import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase } from '../storage/testing.js';
import { InstanceRegistry } from './instances.js';
import { LeaseRepository } from './leases.js';
import { databaseMs, until } from './testing.js';

forEachDatabase('InstanceRegistry', (database) => {
  it('lists the live instances with the sessions each owns, as GET /api/cluster shows them', async () => {
    const registry = new InstanceRegistry(database.storage, { ttlMs: 15_000 });
    const before = await databaseMs(database.storage);
    await registry.register({ id: 'one', address: '10.0.0.1:3000', pid: 101 });
    await registry.register({ id: 'two', address: '10.0.0.2:3000', pid: 102 });
    const leases = (instanceId: string) => new LeaseRepository(database.storage, { instanceId, ttlMs: 15_000 });
    await leases('one').acquire('session-b');
    await leases('one').acquire('session-a');
    const released = await leases('two').acquire('session-c');
    assert.ok(released);
    await leases('two').release(released);

    const live = await registry.listLive();
    assert.deepEqual(live.map(({ id, address, pid, leaving, sessions }) => ({ id, address, pid, leaving, sessions })), [
      { id: 'one', address: '10.0.0.1:3000', pid: 101, leaving: false, sessions: ['session-a', 'session-b'] },
      { id: 'two', address: '10.0.0.2:3000', pid: 102, leaving: false, sessions: [] },
    ]);
    for (const instance of live) {
      assert.ok(Date.parse(instance.startedAt) >= before, 'started by the database clock');
      // Two readings of the clock in one statement on PostgreSQL (clock_timestamp()): a ms apart at most.
      assert.ok(Math.abs(Date.parse(instance.heartbeatAt) - Date.parse(instance.startedAt)) <= 1);
    }
  });

  it('an instance that stops beating drops out after the TTL; a heartbeat keeps it; a removed one must register again', async () => {
    const registry = new InstanceRegistry(database.storage, { ttlMs: 1000 });
    await registry.register({ id: 'beating', address: '127.0.0.1:1', pid: 1 });
    await registry.register({ id: 'silent', address: '127.0.0.1:2', pid: 2 });
    const ids = async () => (await registry.listLive()).map((instance) => instance.id).filter((id) => id === 'beating' || id === 'silent');
    assert.deepEqual(await ids(), ['beating', 'silent']);
    await until(async () => {
      assert.equal(await registry.heartbeat('beating'), true);
      return !(await ids()).includes('silent');
    }, 'the silent instance dropped out');
    assert.deepEqual(await ids(), ['beating']);
    const statuses = (await registry.statuses()).filter((status) => status.id === 'beating' || status.id === 'silent');
    assert.deepEqual(statuses, [
      { id: 'beating', live: true, leaving: false },
      { id: 'silent', live: false, leaving: false },
    ], 'statuses list the silent instance too');

    await registry.remove('beating');
    assert.equal(await registry.heartbeat('beating'), false);
    assert.deepEqual(await ids(), []);
    await registry.register({ id: 'beating', address: '127.0.0.1:3', pid: 3 });
    assert.deepEqual((await registry.listLive()).find((instance) => instance.id === 'beating')?.address, '127.0.0.1:3');
  });

  it('marks an instance leaving; registering again (a restart) starts it afresh', async () => {
    const registry = new InstanceRegistry(database.storage, { ttlMs: 15_000 });
    await registry.register({ id: 'going', address: '10.0.0.9:3000', pid: 9 });
    assert.equal(await registry.markLeaving('going'), true);
    assert.equal((await registry.listLive()).find((instance) => instance.id === 'going')?.leaving, true);
    assert.deepEqual((await registry.statuses()).find((status) => status.id === 'going'), { id: 'going', live: true, leaving: true });
    await registry.register({ id: 'going', address: '10.0.0.9:3000', pid: 10 });
    const again = (await registry.listLive()).find((instance) => instance.id === 'going');
    assert.deepEqual([again?.leaving, again?.pid], [false, 10]);
    assert.equal(await registry.markLeaving('nobody'), false);
  });
});
