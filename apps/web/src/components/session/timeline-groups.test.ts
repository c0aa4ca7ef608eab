import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionTransition } from '@wasla/protocol';
import { groupTransitions } from './timeline-groups.js';

let rev = 1000;
function transition(from: SessionTransition['from'], to: SessionTransition['to'], event: string, errorCode: string | null = null): SessionTransition {
  rev -= 1;
  return { sessionId: 'default', epoch: 1, rev, from, to, event, errorCode, error: null, at: new Date(Date.UTC(2026, 0, 1, 12, 0, rev % 60)).toISOString() };
}
const drop = () => transition('connecting', 'disconnected', 'closed', 'connection_lost');
const retry = () => transition('disconnected', 'connecting', 'retry_due');

describe('groupTransitions', () => {
  test('an outage going back and forth takes one line, with how often and its span', () => {
    const items = [transition('connecting', 'ready', 'open'), ...Array.from({ length: 6 }, () => [retry(), drop()]).flat(), transition('ready', 'disconnected', 'closed', 'connection_lost')];
    const groups = groupTransitions(items);
    assert.deepEqual(groups.map((group) => [group.items.map((item) => item.event), group.count]), [
      [['open'], 1],
      [['retry_due', 'closed'], 6],
      [['closed'], 1],
    ]);
    assert.equal(groups[1]!.lastAt, items[1]!.at);
    assert.equal(groups[1]!.firstAt, items[12]!.at);
  });

  test('one transition repeated is one line; different reasons are not merged', () => {
    const items = [drop(), drop(), drop(), transition('connecting', 'disconnected', 'closed', 'timed_out')];
    assert.deepEqual(groupTransitions(items).map((group) => [group.items.length, group.count, group.items[0]!.errorCode]), [
      [1, 3, 'connection_lost'],
      [1, 1, 'timed_out'],
    ]);
  });

  test('nothing repeating stays as it was, in order; nothing at all gives nothing', () => {
    const items = [transition('qr', 'connecting', 'closed'), transition('connecting', 'qr', 'qr'), transition('stopped', 'connecting', 'start')];
    assert.deepEqual(groupTransitions(items).map((group) => [group.items[0], group.count]), items.map((item) => [item, 1]));
    assert.deepEqual(groupTransitions([]), []);
  });
});
