import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError } from '../../errors/app-error.js';
import type { UsersRepository } from '../users/repository.js';
import type { AuthRepository } from './repository.js';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password.js';
import { assertStrongPassword } from './password-policy.js';
import type { EventBus } from '../../events/events.js';
import { CredentialChanges } from './credential-changes.js';
import type { CredentialChange, Principal, Role } from './principal.js';
import { PrincipalCache } from './principal-cache.js';
import { memoryAttemptLimiters } from './attempts.js';
import type { AttemptLimiter, AttemptLimiters } from './attempts.js';

export type { CredentialChange } from './principal.js';

const PRINCIPAL_CACHE_TTL_MS = 5_000;
/** Wrong passwords one account may receive in 15 minutes before its logins answer 429. */
export const LOGIN_FAILURES_PER_ACCOUNT = 10;

export const SESSION_COOKIE = 'wasla_session';
export const API_KEY_HEADER = 'x-api-key';
const API_KEY_PREFIX = 'wsk_';

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
const token = (bytes: number): string => randomBytes(bytes).toString('base64url');

/** What a caller presents: the login cookie's token or an API key. */
export interface Credential {
  kind: 'cookie' | 'api_key';
  token: string;
}

function isPlausible({ kind, token }: Credential): boolean {
  return token.length > 0 && token.length <= 100 && (kind === 'cookie' || token.startsWith(API_KEY_PREFIX));
}

export interface AuthServiceOptions {
  users: UsersRepository;
  repository: AuthRepository;
  sessionTtlMs: number;
  logger: Logger;
  /**
   * Where credential changes go to the other instances (`credentials_changed`) and come
   * from them. Without one (the CLI), changes stay in this process.
   */
  bus?: EventBus;
  /** Where failed guesses are counted; this process's memory by default, Redis in a cluster. */
  attempts?: AttemptLimiters;
  now?: () => Date;
}

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: 'en' | 'ar';
  createdAt: string;
}

/** Logins, cookies and API keys. Secrets are stored only as hashes. */
export class AuthService {
  private readonly cache = new PrincipalCache(PRINCIPAL_CACHE_TTL_MS);
  private readonly changes: CredentialChanges;
  /** Wrong current passwords per user: a password change is a guess like a login. */
  private readonly currentPasswordGuesses: AttemptLimiter;
  /**
   * Wrong passwords per account, from any address: guessing one account from many
   * addresses is limited too (the per-address limit is the login route's own).
   * Unknown emails count the same, so the limit says nothing about who has an account.
   */
  private readonly loginGuesses: AttemptLimiter;

  private someoneExists = false;

  constructor(private readonly options: AuthServiceOptions) {
    const limiters = options.attempts ?? memoryAttemptLimiters;
    this.currentPasswordGuesses = limiters({ name: 'current-password', max: 5, windowMs: 15 * 60_000, what: 'current passwords' });
    this.loginGuesses = limiters({ name: 'login', max: LOGIN_FAILURES_PER_ACCOUNT, windowMs: 15 * 60_000, what: 'passwords for this account' });
    this.changes = new CredentialChanges({ cache: this.cache, logger: options.logger, bus: options.bus });
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Checks email and password; on success returns the cookie token (shown once) and the user. */
  async login(email: string, password: string): Promise<{ token: string; expiresAt: Date; user: PublicUser }> {
    const account = email.trim().toLowerCase();
    await this.loginGuesses.assertAllowed(account);
    const user = await this.options.users.findByEmail(email);
    // Hash even for unknown emails, so the answer takes as long either way.
    const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !valid) {
      await this.loginGuesses.recordFailure(account);
      throw new AppError('invalid_credentials', 'The email or password is wrong.');
    }
    const sessionToken = token(32);
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.options.sessionTtlMs);
    await this.options.repository.createLoginSession({
      idHash: sha256(sessionToken),
      userId: user.id,
      createdAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
    });
    this.options.logger.info({ userId: user.id }, 'user logged in');
    return { token: sessionToken, expiresAt, user: toPublicUser(user) };
  }

  async logout(sessionToken: string): Promise<void> {
    const hash = sha256(sessionToken);
    await this.options.repository.deleteLoginSession(hash);
    this.changes.made({ loginHash: hash });
  }

  /** Calls `listener` after any credential ended or changed; returns how to stop. */
  onCredentialsChanged(listener: (change: CredentialChange) => void): () => void {
    return this.changes.listen(listener);
  }

  /** True when `change` may have ended or changed what `credential` (held by `principal`) grants. */
  touches(change: CredentialChange, credential: Credential, principal: Principal): boolean {
    if ('anyone' in change) return true;
    if ('userId' in change) return principal.userId === change.userId;
    if ('apiKeyId' in change) return principal.kind === 'api_key' && principal.id === change.apiKeyId;
    return credential.kind === 'cookie' && sha256(credential.token) === change.loginHash;
  }

  /**
   * Forgets every cached principal and has every open socket looked at again — for when
   * this instance may have missed changes made on others (Redis was away). The cache is
   * only an optimisation: the database is the truth.
   */
  forgetCachedPrincipals(): void {
    this.changes.apply({ anyone: true });
  }

  /**
   * Who a cookie or API key belongs to, when that was looked up a moment ago; no I/O.
   * The hot path (a dashboard's ETag poll) answers from here without a promise.
   */
  cachedPrincipal(credential: Credential): Principal | undefined {
    if (!isPlausible(credential)) return undefined;
    return this.cache.get(sha256(credential.token), this.now().getTime());
  }

  /** Who a cookie or API key belongs to, from the cache or the database. */
  principalFor(credential: Credential): Promise<Principal | null> {
    return credential.kind === 'cookie' ? this.principalFromCookie(credential.token) : this.principalFromApiKey(credential.token);
  }

  async principalFromCookie(sessionToken: string): Promise<Principal | null> {
    if (!isPlausible({ kind: 'cookie', token: sessionToken })) return null;
    const hash = sha256(sessionToken);
    const now = this.now();
    const cached = this.cache.get(hash, now.getTime());
    if (cached) return cached;
    const version = this.cache.version;
    const found = await this.options.repository.findValidLoginSession(hash, now.toISOString());
    if (!found) return null;
    const expiresAt = Date.parse(found.session.expiresAt);
    const principal: Principal = { kind: 'user', id: found.user.id, role: found.user.role, userId: found.user.id, name: found.user.name, expiresAt };
    this.cache.set(hash, principal, now.getTime(), version, expiresAt);
    return principal;
  }

  async principalFromApiKey(key: string): Promise<Principal | null> {
    if (!isPlausible({ kind: 'api_key', token: key })) return null;
    const hash = sha256(key);
    const now = this.now();
    const cached = this.cache.get(hash, now.getTime());
    if (cached) return cached;
    const version = this.cache.version;
    const found = await this.options.repository.findActiveApiKey(hash);
    if (!found) return null;
    void this.options.repository.touchApiKey(found.id, now.toISOString()).catch(() => undefined);
    // A key never grants more than its creator has now.
    const role: Role = found.creator.role === 'admin' ? found.role : 'operator';
    const principal: Principal = { kind: 'api_key', id: found.id, role, userId: found.creator.id, name: found.name };
    this.cache.set(hash, principal, now.getTime(), version);
    return principal;
  }

  /** Creates an API key; the key itself is returned here once and never stored. */
  async createApiKey(input: { name: string; role: Role; createdBy: string }) {
    const prefix = token(6);
    const key = `${API_KEY_PREFIX}${prefix}_${token(32)}`;
    const record = await this.options.repository.createApiKey({
      id: randomUUID(),
      name: input.name,
      prefix: `${API_KEY_PREFIX}${prefix}`,
      keyHash: sha256(key),
      role: input.role,
      createdBy: input.createdBy,
      createdAt: this.now().toISOString(),
    });
    return { key, apiKey: record };
  }

  listApiKeys() {
    return this.options.repository.listApiKeys();
  }

  async revokeApiKey(id: string): Promise<void> {
    const revoked = await this.options.repository.revokeApiKey(id, this.now().toISOString());
    this.changes.made({ apiKeyId: id });
    if (!revoked) throw new AppError('not_found', 'There is no active API key with that id.');
  }

  async createUser(input: { email: string; name: string; password: string; role: Role; locale?: 'en' | 'ar' }): Promise<PublicUser> {
    const now = this.now().toISOString();
    const email = input.email.trim().toLowerCase();
    const name = input.name.trim();
    assertStrongPassword(input.password, [email, name]);
    const user = await this.options.users.create({
      id: randomUUID(),
      email,
      name,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      locale: input.locale ?? 'en',
      createdAt: now,
      updatedAt: now,
    });
    return toPublicUser(user);
  }

  async getUser(id: string): Promise<PublicUser> {
    const user = await this.options.users.findById(id);
    if (!user) throw new AppError('not_found', 'There is no user with that id.');
    return toPublicUser(user);
  }

  async listUsers(): Promise<PublicUser[]> {
    return (await this.options.users.list()).map(toPublicUser);
  }

  async deleteUser(id: string, actingUserId: string | null): Promise<void> {
    const user = await this.options.users.findById(id);
    if (!user) throw new AppError('not_found', 'There is no user with that id.');
    if (id === actingUserId) throw new AppError('conflict', 'You cannot delete your own account.', { reason: 'own_account' });
    if (user.role === 'admin' && (await this.options.users.countAdmins()) <= 1) {
      throw new AppError('conflict', 'This is the last admin; create another admin first.', { reason: 'last_admin' });
    }
    // Their keys are revoked, not orphaned (a key also stops working without its creator).
    await this.options.repository.revokeApiKeysCreatedBy(id, this.now().toISOString());
    await this.options.users.delete(id);
    this.changes.made({ userId: id });
  }

  /**
   * A user changing their own language or password. A new password ends every other
   * login of theirs; `currentToken` is the login making the change, which stays.
   */
  async updateProfile(id: string, currentToken: string | null, changes: { locale?: 'en' | 'ar'; currentPassword?: string; newPassword?: string }): Promise<PublicUser> {
    const user = await this.options.users.findById(id);
    if (!user) throw new AppError('not_found', 'There is no user with that id.');
    if (changes.newPassword !== undefined) {
      await this.currentPasswordGuesses.assertAllowed(id);
      // The cheap check first: a weak new password costs no hashing and no guess.
      assertStrongPassword(changes.newPassword, [user.email, user.name]);
      if (!changes.currentPassword || !(await verifyPassword(changes.currentPassword, user.passwordHash))) {
        await this.currentPasswordGuesses.recordFailure(id);
        throw new AppError('invalid_credentials', 'The current password is wrong.');
      }
      await this.setPassword(user, changes.newPassword, currentToken === null ? {} : { exceptIdHash: sha256(currentToken) });
    }
    if (changes.locale) await this.options.users.updateLocale(id, changes.locale, this.now().toISOString());
    return this.getUser(id);
  }

  /**
   * An admin changing another user: a new role or a new password. Either ends that
   * user's logins (a password) or narrows what they hold open (a role) at once.
   */
  async updateUser(id: string, actingUserId: string | null, changes: { role?: Role; password?: string }): Promise<PublicUser> {
    const user = await this.options.users.findById(id);
    if (!user) throw new AppError('not_found', 'There is no user with that id.');
    if (changes.role && changes.role !== user.role) {
      if (id === actingUserId) throw new AppError('conflict', 'You cannot change your own role.', { reason: 'own_role' });
      if (user.role === 'admin' && (await this.options.users.countAdmins()) <= 1) {
        throw new AppError('conflict', 'This is the last admin; make another user an admin first.', { reason: 'last_admin' });
      }
      await this.options.users.updateRole(id, changes.role, this.now().toISOString());
      this.changes.made({ userId: id });
    }
    if (changes.password !== undefined) await this.setPassword(user, changes.password, {});
    return this.getUser(id);
  }

  private async setPassword(user: { id: string; email: string; name: string }, password: string, keep: { exceptIdHash?: string }): Promise<void> {
    assertStrongPassword(password, [user.email, user.name]);
    await this.options.users.updatePassword(user.id, await hashPassword(password), this.now().toISOString());
    await this.options.repository.deleteLoginSessionsForUser(user.id, keep);
    this.changes.made({ userId: user.id });
  }

  /** Once true it stays true (the last admin can't be deleted), so it is asked only until then. */
  async hasUsers(): Promise<boolean> {
    this.someoneExists ||= (await this.options.users.count()) > 0;
    return this.someoneExists;
  }

  /** Creates the first admin from the environment when there is no user yet. */
  async ensureInitialAdmin(admin: { email: string; password: string } | null): Promise<void> {
    if (!admin || (await this.options.users.count()) > 0) return;
    await this.createUser({ email: admin.email, name: 'Administrator', password: admin.password, role: 'admin' });
    this.options.logger.info('created the first admin from WASLA_ADMIN_EMAIL');
  }
}

function toPublicUser(user: { id: string; email: string; name: string; role: Role; locale: 'en' | 'ar'; createdAt: string }): PublicUser {
  return { id: user.id, email: user.email, name: user.name, role: user.role, locale: user.locale, createdAt: user.createdAt };
}
