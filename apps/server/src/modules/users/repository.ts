import type { Kysely, Selectable } from 'kysely';
import { rejectDuplicates } from '../../storage/errors.js';
import type { Database, IsoTimestamp, UserLocale, UserRole, UsersTable } from '../../storage/schema.js';

/** A person who can log in. */
export interface User {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  locale: UserLocale;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

/** A user with the password hash, for checking a password. Never send it to a client. */
export interface UserWithPassword extends User {
  passwordHash: string;
}

/** Everything a new user is stored with. */
export type NewUser = UserWithPassword;

/** Maps a `users` row; shared with queries that join users (login sessions). */
export function userFromRow(row: Selectable<UsersTable>): UserWithPassword {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    locale: row.locale,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function withoutPassword(user: UserWithPassword): User {
  return { id: user.id, email: user.email, name: user.name, role: user.role, locale: user.locale, createdAt: user.createdAt, updatedAt: user.updatedAt };
}

/** Emails are compared case-insensitively by storing and looking them up lower-cased. */
const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** The `users` table. */
export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a new user; throws `DuplicateError` when the email is taken (in any case). */
  async create(user: NewUser): Promise<UserWithPassword> {
    const row: Selectable<UsersTable> = {
      id: user.id,
      email: normalizeEmail(user.email),
      name: user.name,
      role: user.role,
      password_hash: user.passwordHash,
      locale: user.locale,
      created_at: user.createdAt,
      updated_at: user.updatedAt,
    };
    await rejectDuplicates(() => this.db.insertInto('users').values(row).execute(), 'A user with this email already exists.');
    return userFromRow(row);
  }

  async findByEmail(email: string): Promise<UserWithPassword | null> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
    return row ? userFromRow(row) : null;
  }

  async findById(id: string): Promise<UserWithPassword | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? userFromRow(row) : null;
  }

  /** Every user, oldest first, without password hashes. */
  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map((row) => withoutPassword(userFromRow(row)));
  }

  async count(): Promise<number> {
    const { count } = await this.db.selectFrom('users').select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow();
    return Number(count);
  }

  async countAdmins(): Promise<number> {
    const { count } = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('role', '=', 'admin')
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  /** Resolves false when there is no such user. */
  async updatePassword(id: string, passwordHash: string, updatedAt: IsoTimestamp): Promise<boolean> {
    const result = await this.db.updateTable('users').set({ password_hash: passwordHash, updated_at: updatedAt }).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Resolves false when there is no such user. */
  async updateRole(id: string, role: UserRole, updatedAt: IsoTimestamp): Promise<boolean> {
    const result = await this.db.updateTable('users').set({ role, updated_at: updatedAt }).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Resolves false when there is no such user. */
  async updateLocale(id: string, locale: UserLocale, updatedAt: IsoTimestamp): Promise<boolean> {
    const result = await this.db.updateTable('users').set({ locale, updated_at: updatedAt }).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Deletes the user and (by cascade) their login sessions; their API keys stay, revoked by the caller. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
