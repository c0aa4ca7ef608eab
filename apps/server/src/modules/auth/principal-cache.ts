import type { Principal } from './principal.js';

/**
 * Remembers who a token belongs to for a few seconds, so a dashboard polling its state
 * doesn't cost a database read per request. Logout, key revocation and user deletion
 * clear it at once, on every instance (`credentials_changed`); the TTL bounds staleness
 * for anything else.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();
  private forgotten = 0;

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

  /**
   * Counts what was forgotten. A lookup notes it before reading the database and passes
   * it to `set`: if a change was forgotten meanwhile, what it read may predate the change
   * (a deletion committed while it waited), and it is not kept.
   */
  get version(): number {
    return this.forgotten;
  }

  set(tokenHash: string, principal: Principal, now: number, readAtVersion: number, notAfter?: number): void {
    if (readAtVersion !== this.forgotten) return;
    // Maps iterate in insertion order: dropping the first key drops the oldest.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tokenHash, { principal, expiresAt: Math.min(now + this.ttlMs, notAfter ?? Infinity) });
  }

  delete(tokenHash: string): void {
    this.forgotten += 1;
    this.entries.delete(tokenHash);
  }

  /** Forgets every token of a user or an API key. */
  deleteWhere(predicate: (principal: Principal) => boolean): void {
    this.forgotten += 1;
    for (const [hash, entry] of this.entries) if (predicate(entry.principal)) this.entries.delete(hash);
  }

  clear(): void {
    this.forgotten += 1;
    this.entries.clear();
  }
}
