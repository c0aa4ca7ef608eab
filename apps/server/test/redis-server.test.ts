import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { redisServerSkip, startRedisServer } from './redis-server.js';
import type { TestRedisServer } from './redis-server.js';
import { after, before, describe, test } from './suite.js';

/** The next `name` event; unlike events.once, the connection errors of an outage don't end the wait. */
const next = (client: Redis, name: 'ready' | 'close') => new Promise<void>((resolve) => client.once(name, () => resolve()));

describe('a Redis server of the test’s own', { skip: redisServerSkip }, () => {
  let server: TestRedisServer;
  let client: Redis;
  before(async () => {
    server = await startRedisServer();
    // Reconnects at once and keeps commands queued through an outage, as Wasla's clients will.
    client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: () => 50 });
    // The outages below are on purpose: their connection errors are expected.
    client.on('error', () => undefined);
    await client.connect();
  });
  after(async () => {
    client?.disconnect();
    await server?.close();
  });

  test('runs on a free port of its own, never the machine’s 6379, and answers', async () => {
    assert.notEqual(server.port, 6379);
    assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
    assert.equal(await client.ping(), 'PONG');
    await client.set('wasla:fixture', 'kept?');
    assert.equal(await client.get('wasla:fixture'), 'kept?');
    const config = await client.config('GET', 'save');
    assert.deepEqual(config, ['save', ''], 'keeps nothing on disk');
  });

  test('restarts on the same port, empty; the client reconnects by itself', async () => {
    const port = server.port;
    const ready = next(client, 'ready');
    await server.restart();
    await ready;
    assert.equal(server.port, port);
    assert.equal(await client.ping(), 'PONG');
    assert.equal(await client.get('wasla:fixture'), null, 'nothing survived the restart');
  });

  test('a killed server comes back when started again; a command sent meanwhile waits for it', async () => {
    const closed = next(client, 'close');
    await server.stop('SIGKILL');
    await closed;
    assert.equal(server.running, false);
    const queued = client.set('wasla:during-outage', 'delivered');
    await server.start();
    assert.equal(await queued, 'OK');
    assert.equal(await client.get('wasla:during-outage'), 'delivered');
  });
});
