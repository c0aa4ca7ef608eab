import type { ColumnType } from 'kysely';
import type { CampaignPauseCode, CampaignStatus, MessageStatus, RecipientStatus, SessionStatus } from '@wasla/protocol';

/*
 * The database as Kysely sees it. Column types are chosen so one schema works on both
 * SQLite and PostgreSQL: ids and timestamps are text (timestamps are ISO-8601 UTC from
 * `Date#toISOString()`, which sort the same as the instants they name on both), and
 * enums are text checked by TypeScript rather than by the database, so adding a value
 * never needs a SQLite table rebuild.
 */

/** An ISO-8601 UTC timestamp such as `2025-01-31T12:00:00.000Z`. */
export type IsoTimestamp = string;

export type UserRole = 'admin' | 'operator';
export type UserLocale = 'en' | 'ar';
export type DesiredState = 'running' | 'stopped';
export type MessageDirection = 'out' | 'in';

export interface UsersTable {
  id: string;
  /** Always stored lower-case; the unique index relies on it. */
  email: string;
  name: string;
  role: UserRole;
  password_hash: string;
  locale: UserLocale;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export interface LoginSessionsTable {
  /** sha256 (hex) of the cookie token; the token itself is never stored. */
  id_hash: string;
  user_id: string;
  created_at: IsoTimestamp;
  expires_at: IsoTimestamp;
  last_seen_at: IsoTimestamp;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  /** The first characters of the key, shown in lists so people can tell keys apart. */
  prefix: string;
  key_hash: string;
  role: UserRole;
  created_by: string | null;
  created_at: IsoTimestamp;
  last_used_at: IsoTimestamp | null;
  revoked_at: IsoTimestamp | null;
}

export interface WaSessionsTable {
  id: string;
  desired_state: DesiredState;
  phone_number: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
  /** WhatsApp's error code while the number is restricted (463); the three are set together, or null. */
  restriction_code: string | null;
  restriction_since: IsoTimestamp | null;
  restriction_reason: string | null;
  /** The last published `SessionState` as JSON, and its `(epoch, rev)`; null until the first one. */
  state: string | null;
  state_epoch: number | null;
  state_rev: number | null;
}

export interface WaCredsTable {
  session_id: string;
  /** Baileys' credentials as JSON (BufferJSON-encoded). */
  creds: string;
  updated_at: IsoTimestamp;
}

export interface WaKeysTable {
  session_id: string;
  type: string;
  key_id: string;
  /** One Signal key as JSON (BufferJSON-encoded). */
  value: string;
}

export interface WaRetryCountsTable {
  session_id: string;
  /** Baileys' key: `<message id>:<device jid>`. */
  retry_key: string;
  count: number;
  expires_at: IsoTimestamp;
}

export interface MessagesTable {
  /** The WhatsApp message id; unique per session (the key is `(session_id, id)`). */
  id: string;
  session_id: string;
  direction: MessageDirection;
  /**
   * The other party, E.164 — or, for a sender WhatsApp named only by LID whose number
   * isn't known yet, that LID (`<digits>@lid`) until a mapping moves it to the number.
   */
  peer: string;
  /** The LID an incoming message came from (`<digits>@lid`), when WhatsApp named one. */
  peer_lid: ColumnType<string | null, string | null | undefined, string | null>;
  text: string;
  status: MessageStatus;
  error: string | null;
  error_code: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
}

export interface SessionTransitionsTable {
  id: string;
  session_id: string;
  /** A ms timestamp (~1.8e12): `bigint` on PostgreSQL, read back as a number. */
  epoch: number;
  rev: number;
  from_status: SessionStatus;
  to_status: SessionStatus;
  event: string;
  error_code: string | null;
  error: string | null;
  at: IsoTimestamp;
}

export interface CampaignsTable {
  id: string;
  session_id: string;
  name: string;
  template: string;
  status: CampaignStatus;
  /** `CampaignLimits` as JSON. */
  limits: string;
  /** `CampaignOptions` as JSON; missing fields take `DEFAULT_CAMPAIGN_OPTIONS` (migration 0006). */
  options: string;
  scheduled_at: IsoTimestamp | null;
  pause_code: CampaignPauseCode | null;
  pause_reason: string | null;
  paused_at: IsoTimestamp | null;
  created_by: string | null;
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
  started_at: IsoTimestamp | null;
  finished_at: IsoTimestamp | null;
}

/** `sending`: claimed by the outbox and being handed to WhatsApp; never seen by clients. */
export type StoredRecipientStatus = RecipientStatus | 'sending';

export interface CampaignRecipientsTable {
  campaign_id: string;
  seq: number;
  phone: string;
  name: string | null;
  /** `Record<string, string>` as JSON. */
  variables: string;
  line: number | null;
  status: StoredRecipientStatus;
  reason: string | null;
  error: string | null;
  /** 1 once the number was checked on WhatsApp (0 or 1: both databases store it alike). */
  checked: number;
  message_id: string | null;
  sent_at: IsoTimestamp | null;
  updated_at: IsoTimestamp;
}

export interface SuppressionsTable {
  /** E.164. */
  phone: string;
  source: 'reply' | 'manual';
  /** The incoming message that opted out, for `reply`. */
  message_id: string | null;
  created_at: IsoTimestamp;
}

/** Every LID a session received messages from, with its phone number once known. */
export interface LidMappingsTable {
  session_id: string;
  /** `<digits>@lid`, without a device. */
  lid: string;
  /** E.164, or null while WhatsApp hasn't told which number the LID belongs to. */
  phone: string | null;
  updated_at: IsoTimestamp;
}

/**
 * Milliseconds since 1970 by the database's clock: `bigint` on PostgreSQL, read back as a
 * number. Cluster tables use it because their times are computed and compared in SQL.
 */
export type DatabaseMs = number;

/** A running Wasla instance in cluster mode (migration 0007). */
export interface InstancesTable {
  id: string;
  /** How the other instances reach it, `host:port`. */
  address: string;
  pid: number;
  started_at: DatabaseMs;
  heartbeat_at: DatabaseMs;
  /** 1 while it hands its sessions over on the way out (0 or 1: both databases store it alike). */
  leaving: ColumnType<number, number | undefined, number>;
}

/** Which instance owns a WhatsApp session, until when, under which fencing token. */
export interface SessionLeasesTable {
  session_id: string;
  owner_instance: string;
  /** Grows by one at every change of owner; never reused (the row is never deleted). */
  token: number;
  /** The lease is free from this moment on (`expires_at <= now`). */
  expires_at: DatabaseMs;
}

/** Every table Wasla stores, keyed by table name. */
export interface Database {
  users: UsersTable;
  login_sessions: LoginSessionsTable;
  api_keys: ApiKeysTable;
  wa_sessions: WaSessionsTable;
  wa_creds: WaCredsTable;
  wa_keys: WaKeysTable;
  wa_retry_counts: WaRetryCountsTable;
  messages: MessagesTable;
  session_transitions: SessionTransitionsTable;
  campaigns: CampaignsTable;
  campaign_recipients: CampaignRecipientsTable;
  suppressions: SuppressionsTable;
  lid_mappings: LidMappingsTable;
  instances: InstancesTable;
  session_leases: SessionLeasesTable;
}
