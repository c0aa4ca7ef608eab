import { createHash } from 'node:crypto';

/*
 * Which live instance should own each WhatsApp session: rendezvous (highest random
 * weight) hashing. Every instance scores every session by a hash of the pair, and the
 * highest score wins. Each instance computes the same answer from the same list, with no
 * table to agree on; and when an instance joins it wins only the sessions it now scores
 * highest on (about 1/n of them), when one leaves only its own sessions move — each to
 * the instance that scored second, spreading them over the rest.
 *
 * Pure: the same ids give the same placement, in any order. Whether the instances are
 * live, and moving a lease, is the caller's part.
 */

/** 64 bits of SHA-256 over the pair: evenly spread, the same on every host and Node version. */
function score(instanceId: string, sessionId: string): bigint {
  // A separator that can't occur in an instance id (config/config.ts) keeps pairs apart.
  return createHash('sha256').update(`${instanceId}\n${sessionId}`).digest().readBigUInt64BE(0);
}

/** The instance that should own `sessionId`, or null when there is none. */
export function preferredOwner(sessionId: string, instanceIds: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = -1n;
  for (const instanceId of instanceIds) {
    const candidate = score(instanceId, sessionId);
    // Ties (as good as impossible) go to the smaller id, so the order of the list never matters.
    if (candidate > bestScore || (candidate === bestScore && best !== null && instanceId < best)) {
      best = instanceId;
      bestScore = candidate;
    }
  }
  return best;
}

/** For each session, the instance that should own it; empty when there is no instance. */
export function placeSessions(sessionIds: readonly string[], instanceIds: readonly string[]): Map<string, string> {
  const placement = new Map<string, string>();
  for (const sessionId of sessionIds) {
    const owner = preferredOwner(sessionId, instanceIds);
    if (owner !== null) placement.set(sessionId, owner);
  }
  return placement;
}
