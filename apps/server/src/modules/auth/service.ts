import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AppError } from '../../errors/app-error.js';
import type { UsersRepository } from '../users/repository.js';
import type { AuthRepository } from './repository.js';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password.js';
import type { Principal, Role } from './principal.js';
import { PrincipalCache } from './principal-cache.js';

const PRINCIPAL_CACHE_TTL_MS = 5_000;

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

  constructor(private readonly options: AuthServiceOptions) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Checks email and password; on success returns the cookie token (shown once) and the user. */
  async login(email: string, password: string): Promise<{ token: string; expiresAt: Date; user: PublicUser }> {
    const user = await this.options.users.findByEmail(email);
    // Hash even for unknown emails, so the answer takes as long either way.
    const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !valid) throw new AppError('invalid_credentials', 'The email or password is wrong.');
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
    this.cache.delete(hash);
    await this.options.repository.deleteLoginSession(hash);
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
    const found = await this.options.repository.findValidLoginSession(hash, now.toISOString());
    if (!found) return null;
    const principal: Principal = { kind: 'user', id: found.user.id, role: found.user.role, userId: found.user.id, name: found.user.name };
    this.cache.set(hash, principal, now.getTime(), Date.parse(found.session.expiresAt));
    return principal;
  }

  async principalFromApiKey(key: string): Promise<Principal | null> {
    if (!isPlausible({ kind: 'api_key', token: key })) return null;
    const hash = sha256(key);
    const now = this.now();
    const cached = this.cache.get(hash, now.getTime());
    if (cached) return cached;
    const found = await this.options.repository.findActiveApiKey(hash);
    if (!found) return null;
    void this.options.repository.touchApiKey(found.id, now.toISOString()).catch(() => undefined);
    const principal: Principal = { kind: 'api_key', id: found.id, role: found.role, userId: found.createdBy, name: found.name };
    this.cache.set(hash, principal, now.getTime());
    return principal;
  }

  /** Creates an API key; the key itself is returned here once and never stored. */
  async createApiKey(input: { name: string; role: Role; createdBy: string | null }) {
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
    this.cache.deleteWhere((principal) => principal.kind === 'api_key' && principal.id === id);
    const revoked = await this.options.repository.revokeApiKey(id, this.now().toISOString());
    if (!revoked) throw new AppError('not_found', 'There is no active API key with that id.');
  }

  async createUser(input: { email: string; name: string; password: string; role: Role; locale?: 'en' | 'ar' }): Promise<PublicUser> {
    const now = this.now().toISOString();
    const user = await this.options.users.create({
      id: randomUUID(),
      email: input.email.trim().toLowerCase(),
      name: input.name.trim(),
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
    if (id === actingUserId) throw new AppError('conflict', 'You cannot delete your own account.');
    if (user.role === 'admin' && (await this.options.users.countAdmins()) <= 1) {
      throw new AppError('conflict', 'This is the last admin; create another admin first.');
    }
    this.cache.deleteWhere((principal) => principal.userId === id && principal.kind === 'user');
    await this.options.users.delete(id);
  }

  async updateProfile(id: string, changes: { locale?: 'en' | 'ar'; currentPassword?: string; newPassword?: string }): Promise<PublicUser> {
    const user = await this.options.users.findById(id);
    if (!user) throw new AppError('not_found', 'There is no user with that id.');
    if (changes.newPassword !== undefined) {
      if (!changes.currentPassword || !(await verifyPassword(changes.currentPassword, user.passwordHash))) {
        throw new AppError('invalid_credentials', 'The current password is wrong.');
      }
      await this.options.users.updatePassword(id, await hashPassword(changes.newPassword), this.now().toISOString());
    }
    if (changes.locale) await this.options.users.updateLocale(id, changes.locale, this.now().toISOString());
    return this.getUser(id);
  }

  async hasUsers(): Promise<boolean> {
    return (await this.options.users.count()) > 0;
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
