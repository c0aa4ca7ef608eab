import { useCallback, useEffect, useReducer, useRef } from 'react';
import { MESSAGE_STATUS_RANK } from '@wasla/protocol';
import type { Message, MessageStatusEvent, SenderIdentified } from '@wasla/protocol';
import { apiFetch } from '@/lib/api';
import { useIncomingMessages, useMessageStatus, useSenderIdentified } from '@/session';

const PAGE_SIZE = 20;
/** Receipts for messages not on screen yet (a receipt can beat the 202 of its own send, or the page that lists it). */
const EARLY_RECEIPTS_KEPT = 100;

interface Page {
  items: Message[];
  nextCursor: string | null;
}

export interface MessageLogState {
  phase: 'loading' | 'ready' | 'error';
  items: Message[];
  nextCursor: string | null;
  error: unknown;
  loadingMore: boolean;
  moreError: unknown;
}

type Action =
  | { type: 'load' }
  | { type: 'loaded'; page: Page }
  | { type: 'load_failed'; error: unknown }
  | { type: 'load_more' }
  | { type: 'more_loaded'; page: Page }
  | { type: 'more_failed'; error: unknown }
  | { type: 'sent'; message: Message }
  | { type: 'received'; message: Message }
  | { type: 'status'; event: MessageStatusEvent }
  | { type: 'identified'; sender: SenderIdentified };

const INITIAL: MessageLogState = { phase: 'loading', items: [], nextCursor: null, error: null, loadingMore: false, moreError: null };

/** A status only moves forward: pending → sent → delivered → read, or failed. */
export function withStatus(message: Message, event: MessageStatusEvent): Message {
  if (MESSAGE_STATUS_RANK[event.status] <= MESSAGE_STATUS_RANK[message.status]) return message;
  return { ...message, status: event.status, error: event.error, errorCode: event.errorCode, updatedAt: event.updatedAt };
}

function reducer(state: MessageLogState, action: Action): MessageLogState {
  switch (action.type) {
    case 'load':
      return { ...INITIAL };
    case 'loaded':
      return { ...state, phase: 'ready', items: action.page.items, nextCursor: action.page.nextCursor };
    case 'load_failed':
      return { ...state, phase: 'error', error: action.error };
    case 'load_more':
      return { ...state, loadingMore: true, moreError: null };
    case 'more_loaded': {
      const known = new Set(state.items.map((message) => message.id));
      const older = action.page.items.filter((message) => !known.has(message.id));
      return { ...state, loadingMore: false, items: [...state.items, ...older], nextCursor: action.page.nextCursor };
    }
    case 'more_failed':
      return { ...state, loadingMore: false, moreError: action.error };
    case 'sent':
    case 'received':
      if (state.items.some((message) => message.id === action.message.id)) return state;
      return { ...state, items: [action.message, ...state.items] };
    case 'status': {
      const index = state.items.findIndex((message) => message.id === action.event.id);
      const current = state.items[index];
      if (!current) return state;
      const updated = withStatus(current, action.event);
      if (updated === current) return state;
      const items = state.items.slice();
      items[index] = updated;
      return { ...state, items };
    }
    case 'identified': {
      const { lid, phone } = action.sender;
      if (!state.items.some((message) => message.peer === lid)) return state;
      return { ...state, items: state.items.map((message) => (message.peer === lid ? { ...message, peer: phone } : message)) };
    }
  }
}

export interface MessageLog {
  state: MessageLogState;
  reload(): void;
  loadMore(): void;
  /** Puts a message just sent at the top of the log. */
  prepend(message: Message): void;
}

/** The message log, newest first, paged by cursor, with statuses kept live by receipts and incoming messages added as they arrive. */
export function useMessageLog(): MessageLog {
  const [state, dispatch] = useReducer(reducer, INITIAL);
  const [attempt, bump] = useReducer((n: number) => n + 1, 0);
  const earlyReceipts = useRef(new Map<string, MessageStatusEvent>());
  // A receipt that arrives while a page is on its way (the server read the message before
  // it changed) would be lost on an empty list: apply the recent ones to every page that lands.
  const withEarlyReceipts = useCallback((page: Page): Page => {
    const receipts = earlyReceipts.current;
    if (receipts.size === 0) return page;
    const items = page.items.map((message) => {
      const early = receipts.get(message.id);
      return early ? withStatus(message, early) : message;
    });
    return { ...page, items };
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    dispatch({ type: 'load' });
    apiFetch<Page>(`/api/messages?limit=${PAGE_SIZE}`, { signal: controller.signal })
      .then((page) => dispatch({ type: 'loaded', page: withEarlyReceipts(page) }))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) dispatch({ type: 'load_failed', error });
      });
    return () => controller.abort();
  }, [attempt, withEarlyReceipts]);

  const next = state.nextCursor;
  const loadMore = useCallback(() => {
    if (!next) return;
    dispatch({ type: 'load_more' });
    apiFetch<Page>(`/api/messages?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(next)}`)
      .then((page) => dispatch({ type: 'more_loaded', page: withEarlyReceipts(page) }))
      .catch((error: unknown) => dispatch({ type: 'more_failed', error }));
  }, [next, withEarlyReceipts]);

  useMessageStatus(
    useCallback((event: MessageStatusEvent) => {
      const receipts = earlyReceipts.current;
      receipts.set(event.id, event);
      if (receipts.size > EARLY_RECEIPTS_KEPT) receipts.delete(receipts.keys().next().value ?? '');
      dispatch({ type: 'status', event });
    }, []),
  );

  useIncomingMessages(useCallback((message: Message) => dispatch({ type: 'received', message }), []));
  // A sender named only by its LID gets its number: the rows already on screen follow at once.
  useSenderIdentified(useCallback((sender: SenderIdentified) => dispatch({ type: 'identified', sender }), []));

  const prepend = useCallback((message: Message) => {
    const early = earlyReceipts.current.get(message.id);
    dispatch({ type: 'sent', message: early ? withStatus(message, early) : message });
  }, []);

  return { state, reload: bump, loadMore, prepend };
}
