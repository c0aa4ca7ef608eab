import type { Principal } from './principal.js';

/**
 * Remembers who a token belongs to for a few seconds, so a dashboard polling its state
 * doesn't cost a database read per request. Logout, key revocation and user deletion
 * clear it at once; the TTL bounds staleness for anything else (e.g. another instance).
 */
export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(tokenHash: string, now: number): Principal | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.principal;
  }

  set(tokenHash: string, principal: Principal, now: number, notAfter?: number): void {
    // Maps iterate in insertion order: dropping the first key drops the oldest.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tokenHash, { principal, expiresAt: Math.min(now + this.ttlMs, notAfter ?? Infinity) });
  }

  delete(tokenHash: string): void {
    this.entries.delete(tokenHash);
  }

  /** Forgets every token of a user or an API key. */
  deleteWhere(predicate: (principal: Principal) => boolean): void {
    for (const [hash, entry] of this.entries) if (predicate(entry.principal)) this.entries.delete(hash);
  }
}
