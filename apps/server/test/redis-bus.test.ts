import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { MessageStatusEvent } from '@wasla/protocol';
import { RedisEventBus } from '../src/events/redis.js';
import type { ServerEventName } from '../src/events/events.js';
import { redisServerSkip, startRedisServer } from './redis-server.js';
import type { TestRedisServer } from './redis-server.js';
import { after, before, describe, test } from './suite.js';

const silent = pino({ level: process.env.BUS_LOG ?? 'silent' });

function status(id: string): MessageStatusEvent {
  return { id, sessionId: 'default', status: 'sent', error: null, errorCode: null, updatedAt: '2026-01-01T00:00:00.000Z' };
}

/** Resolves once `count` ids were heard, with them in the order heard. */
function hear(bus: RedisEventBus, count: number): Promise<string[]> {
  const heard: string[] = [];
  return new Promise((resolve) => {
    const stop = bus.subscribe('message_status', (event) => {
      heard.push(event.id);
      if (heard.length === count) {
        stop();
        resolve(heard);
      }
    });
  });
}

describe('the event bus between instances (Redis pub/sub)', { skip: redisServerSkip }, () => {
  let redis: TestRedisServer;
  const buses: RedisEventBus[] = [];
  const delays: { event: ServerEventName; delayMs: number }[] = [];
  const resyncs = new Map<string, number>();
  const resynced = new Map<string, () => void>();

  /** Instance `id` of the installation whose events travel on `channel`. */
  const open = async (id: string, channel: string): Promise<RedisEventBus> => {
    const bus = await RedisEventBus.connect({
      url: redis.url,
      instanceId: id,
      channel,
      logger: silent,
      onRemoteDelivery: (event, delayMs) => delays.push({ event, delayMs }),
      onResync: () => {
        resyncs.set(`${channel}/${id}`, (resyncs.get(`${channel}/${id}`) ?? 0) + 1);
        resynced.get(`${channel}/${id}`)?.();
      },
    });
    buses.push(bus);
    return bus;
  };

  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await redis?.close();
  });

  test('a cluster event reaches the other instance once, in order; the publisher hears its own once, without Redis', async () => {
    const [a, b] = [await open('a', 'wasla:test'), await open('b', 'wasla:test')];
    const ids = Array.from({ length: 500 }, (_, i) => `m${i}`);
    const onA = hear(a, ids.length);
    const onB = hear(b, ids.length);
    for (const id of ids) a.publish('message_status', status(id));
    assert.deepEqual(await onB, ids, 'the other instance hears every event, in the order published');
    assert.deepEqual(await onA, ids, 'the publisher hears each of its own once');
    assert.ok(delays.length >= ids.length && delays.every((d) => d.event === 'message_status' && d.delayMs >= 0));
    assert.ok(a.connected && b.connected);
  });

  test('a local event (what the owner of the WhatsApp connection stores) stays on its instance', async () => {
    const [a, b] = [await open('a', 'wasla:local'), await open('b', 'wasla:local')];
    let heardOnB = 0;
    b.subscribe('receipts', () => void (heardOnB += 1));
    const heardOnA = new Promise<string>((resolve) => a.subscribe('receipts', ({ sessionId }) => resolve(sessionId)));
    a.publish('receipts', { sessionId: 'default', updates: [] });
    assert.equal(await heardOnA, 'default');
    // A cluster event published after it arrives at b; the local one, had it been sent, would have come first.
    const marker = hear(b, 1);
    a.publish('message_status', status('after'));
    assert.deepEqual(await marker, ['after']);
    assert.equal(heardOnB, 0);
  });

  test('Redis restarted: publishing never throws meanwhile, both instances are told to read the truth again, and events flow again', async () => {
    const [a, b] = [await open('a', 'wasla:outage'), await open('b', 'wasla:outage')];
    const back = Promise.all(['a', 'b'].map((id) => new Promise<void>((resolve) => resynced.set(`wasla:outage/${id}`, resolve))));
    await redis.stop('SIGKILL');
    assert.doesNotThrow(() => a.publish('message_status', status('lost')));
    await redis.start();
    await back;
    assert.deepEqual([resyncs.get('wasla:outage/a'), resyncs.get('wasla:outage/b')], [1, 1], 'once each, when both links are back');
    const heard = hear(b, 1);
    a.publish('message_status', status('after the outage'));
    assert.deepEqual(await heard, ['after the outage'], 'never the event published while Redis was away');
    assert.ok(a.connected && b.connected);
  });

  test('a Redis that is not there: connect says so, naming the address without its password', async () => {
    const url = `redis://:secret@127.0.0.1:${redis.port}`;
    await redis.stop();
    try {
      await assert.rejects(RedisEventBus.connect({ url, instanceId: 'c', logger: silent }), (error: Error) => {
        assert.match(error.message, /can't be reached/);
        assert.doesNotMatch(error.message, /secret/);
        return true;
      });
    } finally {
      await redis.start();
    }
  });
});
