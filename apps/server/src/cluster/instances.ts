import { sql } from 'kysely';
import type { Storage } from '../storage/db.js';
import type { IsoTimestamp } from '../storage/schema.js';
import { databaseNow } from './clock.js';

/** A running instance as `GET /api/cluster` shows it. */
export interface ClusterInstance {
  id: string;
  /** How the other instances reach it, `host:port`. */
  address: string;
  pid: number;
  /** By the database's clock, like every time here. */
  startedAt: IsoTimestamp;
  heartbeatAt: IsoTimestamp;
  /** Handing its sessions over on the way out: nothing new is placed on it. */
  leaving: boolean;
  /** The sessions whose lease it holds now, by id. */
  sessions: string[];
}

/** What the keeper needs to know of every registered instance, live or not. */
export interface InstanceStatus {
  id: string;
  /** Its last heartbeat is younger than the TTL by the database's clock. */
  live: boolean;
  leaving: boolean;
}

export interface InstanceRegistration {
  id: string;
  address: string;
  pid: number;
}

/**
 * The `instances` table: each instance registers at start, beats while it runs, and is
 * live while its last heartbeat is younger than the TTL by the database's clock. One that
 * stops beating (killed, cut off) drops out of the list by itself; its row stays until
 * someone removes it.
 */
export class InstanceRegistry {
  constructor(
    private readonly storage: Pick<Storage, 'db' | 'dialect'>,
    private readonly options: { ttlMs: number },
  ) {}

  /** Adds the instance, live from now; an id registered before (a restart) starts afresh. */
  async register(instance: InstanceRegistration): Promise<void> {
    const now = databaseNow(this.storage.dialect);
    await this.storage.db
      .insertInto('instances')
      .values({ id: instance.id, address: instance.address, pid: instance.pid, started_at: now, heartbeat_at: now, leaving: 0 })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet({ address: instance.address, pid: instance.pid, started_at: now, heartbeat_at: now, leaving: 0 }),
      )
      .execute();
  }

  /** Keeps the instance live for another TTL. Resolves false when it was removed: register again. */
  async heartbeat(id: string): Promise<boolean> {
    const result = await this.storage.db.updateTable('instances').set({ heartbeat_at: databaseNow(this.storage.dialect) }).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Marks the instance as leaving: it stays live (and keeps beating) while it hands its sessions over. */
  async markLeaving(id: string): Promise<boolean> {
    const result = await this.storage.db.updateTable('instances').set({ leaving: 1 }).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async remove(id: string): Promise<void> {
    await this.storage.db.deleteFrom('instances').where('id', '=', id).execute();
  }

  /**
   * Every registered instance, live or silent (killed, paused, cut off: its row stays
   * until removed), by id.
   */
  async statuses(): Promise<InstanceStatus[]> {
    const now = databaseNow(this.storage.dialect);
    const rows = await this.storage.db
      .selectFrom('instances')
      .select(['id', 'leaving'])
      .select(sql<number>`${now} - heartbeat_at`.as('silent_ms'))
      .orderBy('id')
      .execute();
    return rows.map((row) => ({ id: row.id, live: Number(row.silent_ms) < this.options.ttlMs, leaving: Number(row.leaving) === 1 }));
  }

  /** The live instances, oldest first, each with the sessions it owns now. */
  async listLive(): Promise<ClusterInstance[]> {
    const now = databaseNow(this.storage.dialect);
    const rows = await this.storage.db
      .selectFrom('instances')
      .selectAll()
      .where('heartbeat_at', '>', sql<number>`${now} - ${this.options.ttlMs}`)
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    if (rows.length === 0) return [];
    const leases = await this.storage.db
      .selectFrom('session_leases')
      .select(['session_id', 'owner_instance'])
      .where('owner_instance', 'in', rows.map((row) => row.id))
      .where('expires_at', '>', now)
      .orderBy('session_id')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      address: row.address,
      pid: row.pid,
      startedAt: new Date(row.started_at).toISOString(),
      heartbeatAt: new Date(row.heartbeat_at).toISOString(),
      leaving: Number(row.leaving) === 1,
      sessions: leases.filter((lease) => lease.owner_instance === row.id).map((lease) => lease.session_id),
    }));
  }
}
