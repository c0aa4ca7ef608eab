import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planPlacement } from './keeper-plan.js';
import type { PlacementInput } from './keeper-plan.js';
import type { InstanceStatus } from './instances.js';
import type { LeaseRecord } from './leases.js';
import { preferredOwner } from './placement.js';

const LIVE: InstanceStatus[] = [
  { id: 'me', live: true, leaving: false },
  { id: 'peer', live: true, leaving: false },
];

/** Session ids that placement over `me` and `peer` gives to `owner`. */
function sessionsOf(owner: string, count: number): string[] {
  const found: string[] = [];
  for (let index = 0; found.length < count; index++) {
    if (preferredOwner(`s${index}`, ['me', 'peer']) === owner) found.push(`s${index}`);
  }
  return found;
}

const [mine = '', mine2 = ''] = sessionsOf('me', 2);
const [theirs = ''] = sessionsOf('peer', 1);

function record(sessionId: string, owner: string, token: number, held: boolean): LeaseRecord {
  return { sessionId, owner, token, held, expiresAt: 0 };
}

function plan(input: Partial<PlacementInput>) {
  return planPlacement({
    instanceId: 'me',
    wanted: [],
    instances: LIVE,
    records: [],
    held: new Set(),
    moving: new Set(),
    retired: new Map(),
    unownedSince: new Map(),
    now: 10_000,
    orphanAfterMs: 1500,
    ...input,
  });
}

describe('planPlacement', () => {
  it('takes the free leases placement gives this instance, and leaves the others to their instance for now', () => {
    const result = plan({ wanted: [mine, theirs] });
    assert.deepEqual(result.take, [{ sessionId: mine, cause: 'free' }]);
    assert.deepEqual([...result.unownedSince], [[mine, 10_000], [theirs, 10_000]]);
    assert.deepEqual([result.adopt, result.move, result.release], [[], [], []]);
  });

  it('takes a lease the preferred instance has left free for orphanAfterMs, so nothing stays orphaned', () => {
    assert.deepEqual(plan({ wanted: [theirs], unownedSince: new Map([[theirs, 9000]]) }).take, []);
    assert.deepEqual(plan({ wanted: [theirs], unownedSince: new Map([[theirs, 8500]]) }).take, [{ sessionId: theirs, cause: 'free' }]);
  });

  it('names the cause: a silent owner is a failover; a live one, or one that left, let the lease go', () => {
    const causes = (owner: string, instances: InstanceStatus[]) => plan({ wanted: [mine], instances, records: [record(mine, owner, 4, false)] }).take[0]?.cause;
    assert.equal(causes('dead', [...LIVE, { id: 'dead', live: false, leaving: false }]), 'expired');
    assert.equal(causes('peer', LIVE), 'free');
    assert.equal(causes('gone', LIVE), 'free');
    const ownCause = (lost: boolean) => plan({ wanted: [mine], records: [record(mine, 'me', 4, false)], retired: new Map([[mine, { token: 4, lost }]]) }).take[0]?.cause;
    assert.equal(ownCause(true), 'expired', 'its own lease, lost');
    assert.equal(ownCause(false), 'free', 'its own lease, released');
  });

  it('hands a held session that belongs elsewhere over, and releases one that should not run', () => {
    const result = plan({ wanted: [mine, theirs], held: new Set([mine, theirs, mine2]) });
    assert.deepEqual(result.move, [
      { sessionId: theirs, to: 'peer' },
      { sessionId: mine2, to: null },
    ]);
    assert.deepEqual(result.take, []);
  });

  it('leaves sessions on their way out alone', () => {
    const result = plan({ wanted: [theirs], held: new Set([theirs, mine2]), moving: new Set([theirs, mine2]) });
    assert.deepEqual([result.move, result.take, result.release], [[], [], []]);
  });

  it('takes up a lease handed here; frees one of its own it already gave up, and one handed here for a session that should not run', () => {
    const handed = record(mine, 'me', 7, true);
    assert.deepEqual(plan({ wanted: [mine], records: [handed], retired: new Map([[mine, { token: 6, lost: false }]]) }).adopt, [handed]);
    const ownOld = record(mine, 'me', 6, true);
    const result = plan({ wanted: [mine], records: [ownOld], retired: new Map([[mine, { token: 6, lost: true }]]) });
    assert.deepEqual([result.adopt, result.release], [[], [ownOld]]);
    const unwanted = record(mine2, 'me', 2, true);
    assert.deepEqual(plan({ wanted: [], records: [unwanted] }).release, [unwanted]);
  });

  it('a lease another instance holds is left alone', () => {
    const result = plan({ wanted: [mine], records: [record(mine, 'peer', 3, true)] });
    assert.deepEqual([result.take, result.adopt, result.release, [...result.unownedSince]], [[], [], [], []]);
  });

  it('places nothing while this instance is not live or is leaving: the others would disagree', () => {
    for (const self of [{ id: 'me', live: false, leaving: false }, { id: 'me', live: true, leaving: true }]) {
      const result = plan({ wanted: [mine], instances: [self, LIVE[1]!], held: new Set([mine2]), unownedSince: new Map([[mine, 1]]) });
      assert.deepEqual([result.take, result.move, result.adopt, result.release], [[], [], [], []]);
      assert.deepEqual([...result.unownedSince], [[mine, 1]]);
    }
  });
});
