/**
 * The browser side of "one session truth": everything a page needs to show or control
 * the WhatsApp session. Pages import from here and never open a socket or fetch the
 * session state themselves.
 */
export { SessionProvider, SessionContext } from './SessionProvider.js';
export type { SessionProviderProps, SessionContextValue } from './SessionProvider.js';
export { useSession, useSessionActions, useMessageStatus, useIncomingMessages, useSenderIdentified, useCampaignProgress, useCampaignsProgress, useCampaignProgressEvents } from './hooks.js';
export { CampaignProgressBook, withProgress } from './campaign-progress.js';
export type { SessionValue } from './select.js';
export { shallowEqual } from './select.js';
export type { SessionActions } from './actions.js';
export type { SessionHealth, SessionSnapshot, SessionSource, SessionFetchError, SessionEventMap, SessionEventType } from './store.js';
export { SessionStore } from './store.js';
export { SessionClient } from './client.js';
export type { SessionClientOptions } from './client.js';
export { ApiError, apiFetch, onUnauthenticated } from '../lib/api.js';
export type { AuthLostReason } from '../lib/api.js';
export type { SessionState, SessionStatus, MessageStatusEvent } from '@wasla/protocol';
