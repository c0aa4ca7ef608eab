import assert from 'node:assert/strict';
import { pino } from 'pino';
import { CommandChannel } from '../src/cluster/commands.js';
import { AppError } from '../src/errors/app-error.js';
import { redisServerSkip, startRedisServer } from './redis-server.js';
import type { TestRedisServer } from './redis-server.js';
import { after, before, describe, test } from './suite.js';

const silent = pino({ level: 'silent' });

type Commands = {
  session_command: { payload: { sessionId: string; command: 'start' | 'stop' }; result: { sessionId: string; status: string } };
  slow: { payload: { ms: number }; result: null };
};

describe('commands between instances (Redis)', { skip: redisServerSkip }, () => {
  let redis: TestRedisServer;
  const channels: CommandChannel<Commands>[] = [];
  const open = async (instanceId: string, timeoutMs?: number) => {
    const channel = await CommandChannel.connect<Commands>({ url: redis.url, instanceId, logger: silent, prefix: 'wasla:test', ...(timeoutMs ? { timeoutMs } : {}) });
    channels.push(channel);
    return channel;
  };

  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await Promise.all(channels.map((channel) => channel.close()));
    await redis?.close();
  });

  test("the owner carries the command out and its answer comes back; its AppError arrives as the same AppError; other errors reveal nothing", async () => {
    const [caller, owner] = [await open('caller'), await open('owner')];
    const started: string[] = [];
    owner.handle('session_command', async ({ sessionId, command }) => {
      if (sessionId === 'missing') throw new AppError('session_not_found', 'There is no WhatsApp session named "missing".', { sessionId });
      if (sessionId === 'broken') throw new Error('the database said something internal');
      started.push(`${sessionId}:${command}`);
      return { sessionId, status: 'connecting' };
    });
    assert.deepEqual(await caller.call('owner', 'session_command', { sessionId: 'default', command: 'start' }), { sessionId: 'default', status: 'connecting' });
    assert.deepEqual(started, ['default:start']);
    await assert.rejects(caller.call('owner', 'session_command', { sessionId: 'missing', command: 'start' }), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.deepEqual([error.code, error.statusCode, error.message, error.details], ['session_not_found', 404, 'There is no WhatsApp session named "missing".', { sessionId: 'missing' }]);
      return true;
    });
    await assert.rejects(caller.call('owner', 'session_command', { sessionId: 'broken', command: 'start' }), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'internal');
      assert.doesNotMatch(error.message, /database/);
      return true;
    });
    // Many calls at once each get their own answer.
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => caller.call('owner', 'session_command', { sessionId: `s${i}`, command: 'stop' })));
    assert.deepEqual(answers.map((answer) => answer.sessionId), Array.from({ length: 50 }, (_, i) => `s${i}`));
  });

  test('an instance that is not listening fails the call at once with 503; one that does not answer in time, after the timeout', async () => {
    const caller = await open('impatient', 300);
    const started = Date.now();
    await assert.rejects(caller.call('gone', 'session_command', { sessionId: 'default', command: 'start' }), { code: 'unavailable' });
    assert.ok(Date.now() - started < 250, 'known at once: nobody received it');
    const slow = await open('slow');
    slow.handle('slow', ({ ms }) => new Promise((resolve) => setTimeout(() => resolve(null), ms)));
    await assert.rejects(caller.call('slow', 'slow', { ms: 2000 }), (error: unknown) => error instanceof AppError && error.code === 'unavailable' && /did not answer in time/.test(error.message));
    assert.equal(await caller.call('slow', 'slow', { ms: 10 }), null);
  });

  test('with Redis away the call fails at once with 503, and works again once it is back', async () => {
    const [caller, owner] = [await open('caller-2'), await open('owner-2')];
    owner.handle('session_command', async ({ sessionId }) => ({ sessionId, status: 'ready' }));
    await redis.stop('SIGKILL');
    await assert.rejects(caller.call('owner-2', 'session_command', { sessionId: 'default', command: 'start' }), { code: 'unavailable' });
    await redis.start();
    // Both reconnect (and resubscribe) by themselves; a call made before they did fails with 503 and is asked again.
    let answer: { sessionId: string; status: string } | null = null;
    for (let attempt = 0; attempt < 100 && !answer; attempt++) {
      answer = await caller.call('owner-2', 'session_command', { sessionId: 'default', command: 'start' }).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return null;
      });
    }
    assert.deepEqual(answer, { sessionId: 'default', status: 'ready' });
  });
});
