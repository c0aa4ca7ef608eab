import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { placeSessions, preferredOwner } from './placement.js';

const sessions = Array.from({ length: 3000 }, (_, index) => `session-${index}`);
const three = ['wasla-a', 'wasla-b', 'wasla-c'];

function counts(placement: Map<string, string>): Map<string, number> {
  const byInstance = new Map<string, number>();
  for (const owner of placement.values()) byInstance.set(owner, (byInstance.get(owner) ?? 0) + 1);
  return byInstance;
}

function moved(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...before.keys()].filter((sessionId) => before.get(sessionId) !== after.get(sessionId));
}

describe('placement (rendezvous hashing)', () => {
  it('places every session on one of the instances, the same whatever the order of either list', () => {
    const placement = placeSessions(sessions, three);
    assert.equal(placement.size, sessions.length);
    for (const owner of placement.values()) assert.ok(three.includes(owner));
    assert.deepEqual(placeSessions([...sessions].reverse(), [...three].reverse()), new Map([...placement].reverse()));
    assert.deepEqual(placeSessions(sessions, [...three, 'wasla-a']), placement, 'a repeated id changes nothing');
    assert.equal(preferredOwner('session-7', three), placement.get('session-7'));
  });

  it('spreads sessions evenly: each of 3 instances gets its third within 10%', () => {
    for (const [owner, count] of counts(placeSessions(sessions, three))) {
      assert.ok(Math.abs(count - sessions.length / 3) < (sessions.length / 3) * 0.1, `${owner}: ${count}`);
    }
    // And with few sessions, as a real install has: none of 5 instances is left out of 100.
    const five = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const small = counts(placeSessions(sessions.slice(0, 100), five));
    assert.deepEqual([...small.keys()].sort(), five);
    for (const count of small.values()) assert.ok(count >= 8 && count <= 35, String(count));
  });

  it('an instance that joins takes only sessions it now wins, about 1/n of them, from each of the others', () => {
    const before = placeSessions(sessions, three);
    const after = placeSessions(sessions, [...three, 'wasla-d']);
    const changed = moved(before, after);
    for (const sessionId of changed) assert.equal(after.get(sessionId), 'wasla-d', 'nothing moves between the old instances');
    assert.ok(Math.abs(changed.length - sessions.length / 4) < (sessions.length / 4) * 0.1, String(changed.length));
    const givers = counts(new Map(changed.map((sessionId) => [sessionId, before.get(sessionId) ?? ''])));
    for (const instance of three) assert.ok((givers.get(instance) ?? 0) > changed.length / 3 * 0.8, `${instance} gives its share`);
  });

  it('an instance that leaves moves only its own sessions, spread over the others', () => {
    const before = placeSessions(sessions, three);
    const after = placeSessions(sessions, ['wasla-a', 'wasla-c']);
    const changed = moved(before, after);
    assert.deepEqual(changed, [...before].filter(([, owner]) => owner === 'wasla-b').map(([sessionId]) => sessionId));
    const takers = counts(new Map(changed.map((sessionId) => [sessionId, after.get(sessionId) ?? ''])));
    for (const instance of ['wasla-a', 'wasla-c']) assert.ok((takers.get(instance) ?? 0) > changed.length * 0.4, `${instance} takes its share`);
  });

  it('an instance that comes back gets back exactly the sessions it had: placement keeps no history', () => {
    const before = placeSessions(sessions, three);
    const without = placeSessions(sessions, ['wasla-a', 'wasla-c']);
    const back = placeSessions(sessions, ['wasla-c', 'wasla-b', 'wasla-a']);
    assert.notDeepEqual(without, before);
    assert.deepEqual(back, before);
  });

  it('no instance, no owner', () => {
    assert.equal(preferredOwner('session-1', []), null);
    assert.equal(placeSessions(sessions, []).size, 0);
  });
});
