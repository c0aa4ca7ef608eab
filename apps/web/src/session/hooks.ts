'use client';

import { useContext, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { CampaignProgress, Message, MessageStatusEvent, SenderIdentified } from '@wasla/protocol';
import type { SessionActions } from './actions.js';
import type { SessionEventListener, SessionEventType } from './store.js';
import { memoizeSelector, shallowEqual } from './select.js';
import type { SessionValue } from './select.js';
import { SessionContext } from './SessionProvider.js';
import type { SessionContextValue } from './SessionProvider.js';

function useSessionContext(hook: string): SessionContextValue {
  const context = useContext(SessionContext);
  if (!context) throw new Error(`${hook} must be used inside <SessionProvider>`);
  return context;
}

/**
 * The session, as every page sees it. Without arguments: the seed's fields (`status,
 * qrCode, isReady, phoneNumber, lastUpdate, error, refreshSession, isLoading`), the
 * rest of the state and `health`; the component re-renders on any change.
 *
 * With a selector, it re-renders only when the selected value changes (compared with
 * `isEqual`, shallow by default, so `s => ({ status: s.status, isReady: s.isReady })`
 * is fine):
 *
 *     const status = useSession((s) => s.status);
 */
export function useSession(): SessionValue;
export function useSession<S>(selector: (session: SessionValue) => S, isEqual?: (a: S, b: S) => boolean): S;
export function useSession<S>(selector?: (session: SessionValue) => S, isEqual: (a: S, b: S) => boolean = shallowEqual): S | SessionValue {
  const { client, readValue } = useSessionContext('useSession');
  // The value last rendered, so a new selector function (an inline arrow) that
  // selects an equal value hands back the same object instead of looping.
  const rendered = useRef<{ value: S } | null>(null);
  const getSelection = useMemo((): (() => S | SessionValue) => {
    if (!selector) return readValue;
    const select = memoizeSelector(selector, isEqual, rendered.current);
    return () => select(readValue());
  }, [readValue, selector, isEqual]);
  const value = useSyncExternalStore(client.store.subscribe, getSelection, getSelection);
  useEffect(() => {
    if (selector) rendered.current = { value: value as S };
  });
  return value;
}

/** `start, stop, restart, logout, requestPairingCode`: each throws `ApiError` for the UI to show. */
export function useSessionActions(): SessionActions {
  return useSessionContext('useSessionActions').actions;
}

/** Calls the latest `listener` for every `type` event of the session while the component is mounted. */
function useSessionEvent<K extends SessionEventType>(hook: string, type: K, listener: SessionEventListener<K>): void {
  const { client } = useSessionContext(hook);
  const latest = useRef(listener);
  useEffect(() => {
    latest.current = listener;
  });
  useEffect(() => client.store.on(type, (event) => latest.current(event)), [client, type]);
}

/**
 * Calls `listener` for every live delivery update (sent → delivered → read, or
 * failed) of the session's messages, while the component is mounted.
 */
export function useMessageStatus(listener: (event: MessageStatusEvent) => void): void {
  useSessionEvent('useMessageStatus', 'message_status', listener);
}

/** Calls `listener` for every message someone sends to the linked number, as it arrives. */
export function useIncomingMessages(listener: (message: Message) => void): void {
  useSessionEvent('useIncomingMessages', 'message_received', listener);
}

/** Calls `listener` when a sender known only by its LID becomes known by its number. */
export function useSenderIdentified(listener: (identified: SenderIdentified) => void): void {
  useSessionEvent('useSenderIdentified', 'sender_identified', listener);
}

/**
 * The newest live progress of one campaign (counts, rate, ETA, what it waits for), or
 * null until one arrives. Re-renders only when that campaign's progress changes. Lay it
 * over the fetched campaign with `withProgress`.
 */
export function useCampaignProgress(campaignId: string | null): CampaignProgress | null {
  const { campaigns } = useSessionContext('useCampaignProgress').client;
  const read = useMemo(() => () => (campaignId ? campaigns.get(campaignId) : null), [campaigns, campaignId]);
  return useSyncExternalStore(campaigns.subscribe, read, read);
}

/** The newest live progress of every campaign heard of, by campaign id (for lists). */
export function useCampaignsProgress(): ReadonlyMap<string, CampaignProgress> {
  const { campaigns } = useSessionContext('useCampaignsProgress').client;
  return useSyncExternalStore(campaigns.subscribe, campaigns.getAll, campaigns.getAll);
}

/**
 * Calls `listener` for every campaign progress event, as it arrives (e.g. to refresh a
 * table the event does not carry).
 */
export function useCampaignProgressEvents(listener: (progress: CampaignProgress) => void): void {
  useSessionEvent('useCampaignProgressEvents', 'campaign_progress', listener);
}
