import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pino } from 'pino';
import type { MessageStatusEvent } from '@wasla/protocol';
import { InProcessEventBus } from './in-process.js';

function status(id: string): MessageStatusEvent {
  return { id, sessionId: 'default', status: 'sent', error: null, errorCode: null, updatedAt: '2025-01-01T00:00:00.000Z' };
}

/** A logger that keeps what it was asked to log at error level. */
function recordingLogger() {
  const errors: { event?: string; sessionId?: string; msg?: string }[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line) as { event?: string; sessionId?: string; msg?: string }) });
  return { logger, errors };
}

it('delivers after the publisher returned, to each listener in the order published', async () => {
  const bus = new InProcessEventBus(pino({ level: 'silent' }));
  const seen: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  bus.subscribe('message_status', async (event) => {
    // A slow first event must not be overtaken by the next.
    if (event.id === 'a') await new Promise((resolve) => setTimeout(resolve, 20));
    seen.push(`slow:${event.id}`);
    if (event.id === 'c') done();
  });
  bus.subscribe('message_status', (event) => void seen.push(`fast:${event.id}`));
  for (const id of ['a', 'b', 'c']) bus.publish('message_status', status(id));
  assert.equal(seen.length, 0, 'nothing runs inside publish');
  await finished;
  assert.deepEqual(seen.filter((s) => s.startsWith('slow:')), ['slow:a', 'slow:b', 'slow:c']);
  assert.deepEqual(seen.filter((s) => s.startsWith('fast:')), ['fast:a', 'fast:b', 'fast:c']);
});

it('a listener that throws or rejects is logged with the event name; the others and its own next event go on', async () => {
  const { logger, errors } = recordingLogger();
  const bus = new InProcessEventBus(logger);
  const seen: string[] = [];
  bus.subscribe('message_status', (event) => {
    if (event.id === 'a') throw new Error('sync failure');
    seen.push(`first:${event.id}`);
  });
  bus.subscribe('message_status', async (event) => {
    await Promise.resolve();
    if (event.id === 'b') throw new Error('async failure');
    seen.push(`second:${event.id}`);
  });
  assert.doesNotThrow(() => {
    bus.publish('message_status', status('a'));
    bus.publish('message_status', status('b'));
    bus.publish('message_status', status('c'));
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen.sort(), ['first:b', 'first:c', 'second:a', 'second:c']);
  assert.equal(errors.length, 2);
  assert.ok(errors.every((line) => line.event === 'message_status' && line.sessionId === 'default' && line.msg === 'an event listener failed'));
});

it('unsubscribing stops delivery, events already queued included', async () => {
  const bus = new InProcessEventBus(pino({ level: 'silent' }));
  const seen: string[] = [];
  const stop = bus.subscribe('message_status', (event) => void seen.push(event.id));
  bus.publish('message_status', status('queued'));
  stop();
  bus.publish('message_status', status('later'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, []);
});

it('listeners of different events are called in the order the events were published', async () => {
  const bus = new InProcessEventBus(pino({ level: 'silent' }));
  const seen: string[] = [];
  bus.subscribe('inbound', ({ sessionId }) => void seen.push(`inbound:${sessionId}`));
  bus.subscribe('lid_mappings', ({ sessionId }) => void seen.push(`lid_mappings:${sessionId}`));
  bus.publish('inbound', { sessionId: '1', messages: [] });
  bus.publish('inbound', { sessionId: '2', messages: [] });
  bus.publish('lid_mappings', { sessionId: '3', mappings: [] });
  bus.publish('inbound', { sessionId: '4', messages: [] });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, ['inbound:1', 'inbound:2', 'lid_mappings:3', 'inbound:4']);
});
