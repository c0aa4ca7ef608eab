import { BufferJSON, initAuthCreds, proto } from 'baileys';
import type { AuthenticationCreds, SignalDataSet, SignalDataTypeMap, SignalKeyStore } from 'baileys';
import type { WhatsAppAuthRepository } from './provider.js';

/**
 * Baileys' credentials and Signal keys kept in the database, scoped by session id.
 * Writes are queued so they land in the order Baileys made them, and stop once the
 * connection is retired — a late write must never bring back wiped credentials.
 */
export interface DatabaseAuthState {
  creds: AuthenticationCreds;
  keys: SignalKeyStore;
  saveCreds(): Promise<void>;
  /** Stops further writes and waits for the ones already queued. */
  retire(): Promise<void>;
}

export async function loadAuthState(repository: WhatsAppAuthRepository, sessionId: string): Promise<DatabaseAuthState> {
  const stored = await repository.readCreds(sessionId);
  const creds: AuthenticationCreds = stored ? (JSON.parse(stored, BufferJSON.reviver) as AuthenticationCreds) : initAuthCreds();
  let retired = false;
  let queue: Promise<void> = Promise.resolve();

  const enqueue = (write: () => Promise<void>): Promise<void> => {
    if (retired) return Promise.resolve();
    // Decided when queued, not when run: writes made before retiring still land.
    const next = queue.then(write);
    // A failed write is reported to its caller; the queue itself keeps going.
    queue = next.catch(() => undefined);
    return next;
  };

  const keys: SignalKeyStore = {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const rows = await repository.readKeys(sessionId, type, ids);
      const result: { [id: string]: SignalDataTypeMap[T] } = {};
      for (const [id, json] of rows) {
        let value: unknown = JSON.parse(json, BufferJSON.reviver);
        if (type === 'app-state-sync-key' && value) {
          value = proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>);
        }
        result[id] = value as SignalDataTypeMap[T];
      }
      return result;
    },
    async set(data: SignalDataSet) {
      const entries: { type: string; id: string; value: string | null }[] = [];
      for (const [type, byId] of Object.entries(data)) {
        for (const [id, value] of Object.entries(byId ?? {})) {
          entries.push({ type, id, value: value == null ? null : JSON.stringify(value, BufferJSON.replacer) });
        }
      }
      if (entries.length > 0) await enqueue(() => repository.writeKeys(sessionId, entries));
    },
  };

  return {
    creds,
    keys,
    saveCreds: () => enqueue(() => repository.writeCreds(sessionId, JSON.stringify(creds, BufferJSON.replacer))),
    async retire() {
      retired = true;
      await queue;
    },
  };
}
