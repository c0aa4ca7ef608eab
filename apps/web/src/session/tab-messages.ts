import { z } from 'zod';
import { DEFAULT_SESSION_ID, campaignProgressSchema, messageSchema, messageStatusEventSchema, senderIdentifiedSchema, sessionStateSchema } from '@wasla/protocol';

/** The Web Lock a tab holds while it leads, and the channel the tabs talk on. */
export const LEADER_LOCK_NAME = 'wasla-session-leader';
export const TAB_CHANNEL_NAME = 'wasla-session';

/** Each session has its own leader: tabs showing different sessions don't share a socket. */
export function tabNames(sessionId: string): { lock: string; channel: string } {
  const suffix = sessionId === DEFAULT_SESSION_ID ? '' : `:${sessionId}`;
  return { lock: LEADER_LOCK_NAME + suffix, channel: TAB_CHANNEL_NAME + suffix };
}

const tabId = z.string().min(1).max(100);

/**
 * What tabs say to each other over the BroadcastChannel. Validated on arrival: a tab
 * still running an older build after a deploy may speak a slightly different language,
 * and its messages are then ignored rather than trusted.
 */
export const tabMessageSchema = z.discriminatedUnion('type', [
  // follower → leader
  z.object({ type: z.literal('hello'), tabId, visible: z.boolean() }),
  z.object({ type: z.literal('visibility'), tabId, visible: z.boolean() }),
  z.object({ type: z.literal('bye'), tabId }),
  z.object({ type: z.literal('refresh'), tabId, requestId: z.string() }),
  // leader → followers
  z.object({ type: z.literal('leader') }),
  z.object({
    type: z.literal('sync'),
    state: sessionStateSchema.nullable(),
    health: z.object({ kind: z.enum(['connecting', 'live', 'reconnecting', 'offline']), retryAt: z.number().nullable() }),
    fetchError: z.object({ code: z.string(), message: z.string() }).nullable(),
    unknownSince: z.number().nullable(),
  }),
  z.object({ type: z.literal('message_status'), event: messageStatusEventSchema }),
  z.object({ type: z.literal('message_received'), event: messageSchema }),
  z.object({ type: z.literal('sender_identified'), event: senderIdentifiedSchema }),
  z.object({ type: z.literal('campaign_progress'), event: campaignProgressSchema }),
  z.object({ type: z.literal('refreshed'), requestId: z.string() }),
  z.object({ type: z.literal('auth_lost'), reason: z.enum(['unauthenticated', 'forbidden']) }),
]);
export type TabMessage = z.infer<typeof tabMessageSchema>;
