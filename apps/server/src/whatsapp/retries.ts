import type { CacheStore, WAMessageKey, proto } from 'baileys';
import type { Logger } from 'pino';
import type { SentMessageLookup, WhatsAppRetryCountRepository } from './provider.js';

/*
 * When a recipient's device cannot decrypt a message it sends a retry receipt, and
 * Baileys sends the message again — but only what `getMessage` gives it (its own cache
 * holds a message for five minutes, only for the exact jid it was sent to, and never
 * across a reconnect), and only while the count in `msgRetryCounterCache` allows.
 */

/** How long a retry count lives after its last change: Baileys' own default (1 h). */
export const RETRY_COUNT_TTL_MS = 60 * 60 * 1000;

/**
 * Baileys' `maxMsgRetryCount`, kept at its default of 5. rc14 counts each retry
 * receipt twice (before and while resending) and resends while the count is below 5,
 * so a message is sent again at most twice per asking device; a third receipt gets
 * nothing. WhatsApp's clients themselves ask only a few times before showing the
 * message as lost, and each resend builds a new Signal session with that device, so a
 * device that still can't decrypt after two fresh sessions won't after a third.
 */
export const MAX_RETRY_COUNT = 5;

/**
 * Baileys' retry counter, kept in the database per session so a reconnect or a
 * restart doesn't give every device a fresh allowance. Baileys awaits every call, so
 * the store reads and writes through. A failed read counts as the limit reached:
 * better a message not sent again than sent again without bound.
 */
export function retryCounterStore(
  repository: WhatsAppRetryCountRepository,
  sessionId: string,
  logger: Logger,
  now: () => Date = () => new Date(),
): CacheStore {
  return {
    async get<T>(key: string): Promise<T> {
      try {
        // Baileys keeps only numbers in this cache; undefined means "no count yet".
        return ((await repository.read(sessionId, key)) ?? undefined) as T;
      } catch (error) {
        logger.error({ err: error }, 'could not read a retry count');
        return MAX_RETRY_COUNT as T;
      }
    },
    async set<T>(key: string, value: T): Promise<void> {
      if (typeof value !== 'number') return;
      await repository
        .write(sessionId, key, value, new Date(now().getTime() + RETRY_COUNT_TTL_MS))
        .catch((error: unknown) => logger.error({ err: error }, 'could not store a retry count'));
    },
    async del(key: string): Promise<void> {
      await repository.remove(sessionId, key).catch((error: unknown) => logger.error({ err: error }, 'could not delete a retry count'));
    },
    async flushAll(): Promise<void> {
      await repository.clear(sessionId).catch((error: unknown) => logger.error({ err: error }, 'could not clear the retry counts'));
    },
  };
}

/**
 * The content Baileys builds for `sendMessage(jid, { text })`: rc14 turns every text
 * into an `extendedTextMessage`. (It also adds a random `messageContextInfo.messageSecret`
 * for reporting; that isn't stored, so a resend carries none.)
 */
export function textContent(text: string): proto.IMessage {
  return { extendedTextMessage: { text } };
}

/**
 * Baileys' `getMessage`: the stored content of a message this session sent, by id. The
 * key's `remoteJid` is whoever asked — a device jid or a LID — so only the id is used.
 */
export function storedMessageLookup(
  lookup: SentMessageLookup,
  sessionId: string,
  logger: Logger,
): (key: WAMessageKey) => Promise<proto.IMessage | undefined> {
  return async (key) => {
    if (!key.id) return undefined;
    try {
      const text = await lookup.sentText(sessionId, key.id);
      logger.debug({ messageId: key.id, found: text !== null }, 'WhatsApp asked for a message to send again');
      return text === null ? undefined : textContent(text);
    } catch (error) {
      logger.error({ err: error, messageId: key.id }, 'could not look up a message to send again');
      return undefined;
    }
  };
}
