import type { Kysely, Selectable } from 'kysely';
import { rejectDuplicates } from '../../storage/errors.js';
import type { ApiKeysTable, Database, IsoTimestamp, UserRole } from '../../storage/schema.js';
import { userFromRow } from '../users/repository.js';
import type { UserWithPassword } from '../users/repository.js';

/** A browser login. Identified by the sha256 of its cookie token, never the token. */
export interface LoginSession {
  idHash: string;
  userId: string;
  createdAt: IsoTimestamp;
  expiresAt: IsoTimestamp;
  lastSeenAt: IsoTimestamp;
}

/** An API key as listed: everything but its hash. */
export interface ApiKey {
  id: string;
  name: string;
  /** The key's first characters, to tell keys apart. */
  prefix: string;
  role: UserRole;
  createdBy: string | null;
  createdAt: IsoTimestamp;
  lastUsedAt: IsoTimestamp | null;
  revokedAt: IsoTimestamp | null;
}

/** An unrevoked key found by its hash, with the user who created it. */
export interface ActiveApiKey extends ApiKey {
  creator: { id: string; name: string; email: string; role: UserRole };
}

export interface NewApiKey {
  id: string;
  name: string;
  prefix: string;
  keyHash: string;
  role: UserRole;
  createdBy: string | null;
  createdAt: IsoTimestamp;
}

const API_KEY_TOUCH_INTERVAL_MS = 60_000;

function apiKeyFromRow(row: Omit<Selectable<ApiKeysTable>, 'key_hash'>): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** Login sessions and API keys: the secrets that prove who is calling, stored as hashes. */
export class AuthRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async createLoginSession(input: { idHash: string; userId: string; createdAt: IsoTimestamp; expiresAt: IsoTimestamp }): Promise<LoginSession> {
    const session: LoginSession = { ...input, lastSeenAt: input.createdAt };
    await this.db
      .insertInto('login_sessions')
      .values({
        id_hash: session.idHash,
        user_id: session.userId,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        last_seen_at: session.lastSeenAt,
      })
      .execute();
    return session;
  }

  /** The session with its user, when it exists and expires after `now`. */
  async findValidLoginSession(idHash: string, now: IsoTimestamp): Promise<{ session: LoginSession; user: UserWithPassword } | null> {
    const row = await this.db
      .selectFrom('login_sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .selectAll('u')
      .select(['s.id_hash', 's.created_at as session_created_at', 's.expires_at as session_expires_at', 's.last_seen_at as session_last_seen_at'])
      .where('s.id_hash', '=', idHash)
      .where('s.expires_at', '>', now)
      .executeTakeFirst();
    if (!row) return null;
    return {
      session: {
        idHash: row.id_hash,
        userId: row.id,
        createdAt: row.session_created_at,
        expiresAt: row.session_expires_at,
        lastSeenAt: row.session_last_seen_at,
      },
      user: userFromRow(row),
    };
  }

  /** Records activity; with `expiresAt`, also slides the expiry. */
  async touchLoginSession(idHash: string, lastSeenAt: IsoTimestamp, expiresAt?: IsoTimestamp): Promise<void> {
    await this.db
      .updateTable('login_sessions')
      .set(expiresAt === undefined ? { last_seen_at: lastSeenAt } : { last_seen_at: lastSeenAt, expires_at: expiresAt })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async deleteLoginSession(idHash: string): Promise<boolean> {
    const result = await this.db.deleteFrom('login_sessions').where('id_hash', '=', idHash).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Removes sessions that expired at or before `now`; resolves with how many. */
  async deleteExpiredLoginSessions(now: IsoTimestamp): Promise<number> {
    const result = await this.db.deleteFrom('login_sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Logs a user out everywhere, optionally except the session making the request. */
  async deleteLoginSessionsForUser(userId: string, options: { exceptIdHash?: string } = {}): Promise<number> {
    let query = this.db.deleteFrom('login_sessions').where('user_id', '=', userId);
    if (options.exceptIdHash !== undefined) query = query.where('id_hash', '!=', options.exceptIdHash);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async createApiKey(input: NewApiKey): Promise<ApiKey> {
    const row: Selectable<ApiKeysTable> = {
      id: input.id,
      name: input.name,
      prefix: input.prefix,
      key_hash: input.keyHash,
      role: input.role,
      created_by: input.createdBy,
      created_at: input.createdAt,
      last_used_at: null,
      revoked_at: null,
    };
    await rejectDuplicates(() => this.db.insertInto('api_keys').values(row).execute(), 'An API key with this id or key already exists.');
    return apiKeyFromRow(row);
  }

  /**
   * The unrevoked key with this hash, with its creator. A key works only while the
   * person who created it is still a user: a leaver's keys leave with them.
   */
  async findActiveApiKey(keyHash: string): Promise<ActiveApiKey | null> {
    const row = await this.db
      .selectFrom('api_keys as k')
      .innerJoin('users as u', 'u.id', 'k.created_by')
      .selectAll('k')
      .select(['u.id as creator_id', 'u.name as creator_name', 'u.email as creator_email', 'u.role as creator_role'])
      .where('k.key_hash', '=', keyHash)
      .where('k.revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return null;
    const { creator_id: id, creator_name: name, creator_email: email, creator_role: role } = row;
    return { ...apiKeyFromRow(row), creator: { id, name, email, role } };
  }

  /** Revokes every active key a user created; resolves with how many. */
  async revokeApiKeysCreatedBy(userId: string, at: IsoTimestamp): Promise<number> {
    const result = await this.db.updateTable('api_keys').set({ revoked_at: at }).where('created_by', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Every key, revoked ones included, newest first. Hashes are never selected. */
  async listApiKeys(): Promise<ApiKey[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .select(['id', 'name', 'prefix', 'role', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(apiKeyFromRow);
  }

  /** Revokes an active key; resolves false when there is none with this id. */
  async revokeApiKey(id: string, at: IsoTimestamp): Promise<boolean> {
    const result = await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /**
   * Records that the key was used at `at`. Kept to the minute: a busy integration calls
   * on every request, and a write per request would contend with real work (SQLite has
   * one writer).
   */
  async touchApiKey(id: string, at: IsoTimestamp): Promise<void> {
    const staleBefore = new Date(Date.parse(at) - API_KEY_TOUCH_INTERVAL_MS).toISOString();
    await this.db
      .updateTable('api_keys')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', staleBefore)]))
      .execute();
  }
}
