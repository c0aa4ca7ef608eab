import type { SessionState } from '@wasla/protocol';
import { isNewerState } from '@wasla/protocol';

/** Where the directory reads a session's stored truth (`SessionsRepository` in the app). */
export interface StoredSessionStates {
  /** Every session id, oldest first. */
  ids(): Promise<readonly string[]>;
  loadState(id: string): Promise<SessionState | null>;
}

/**
 * What this instance knows of the sessions it does not own, in cluster mode: the newest
 * state heard for each — from the owner's `session_update` on the bus, or read from
 * PostgreSQL (at start, and again whenever events may have been missed while Redis was
 * away). Like a browser, it only ever moves forward by `(epoch, rev)`, so an event that
 * arrives late, or a read that raced a newer event, can never roll a session back.
 */
export class SessionDirectory {
  private readonly states = new Map<string, SessionState>();

  constructor(private readonly stored: StoredSessionStates) {}

  /** The newest state known of the session, or undefined when it has none. */
  get(id: string): SessionState | undefined {
    return this.states.get(id);
  }

  has(id: string): boolean {
    return this.states.has(id);
  }

  ids(): string[] {
    return [...this.states.keys()];
  }

  all(): SessionState[] {
    return [...this.states.values()];
  }

  /** Takes the state if it is newer than the one held; resolves whether it did. */
  heard(state: SessionState): boolean {
    if (!isNewerState(state, this.states.get(state.sessionId))) return false;
    this.states.set(state.sessionId, state);
    return true;
  }

  /**
   * Reads every session's stored state again; answers the states that moved forward
   * (for the WebSocket clients of this instance, which missed them too).
   */
  async reread(): Promise<SessionState[]> {
    const moved: SessionState[] = [];
    for (const id of await this.stored.ids()) {
      const state = await this.stored.loadState(id);
      if (state && this.heard(state)) moved.push(state);
    }
    return moved;
  }

  /** Reads one session again (e.g. one created on another instance, or just released). */
  async refresh(id: string): Promise<SessionState | undefined> {
    const state = await this.stored.loadState(id);
    if (state) this.heard(state);
    return this.states.get(id);
  }

  /** The session is now run here (its runtime is the truth) or was deleted: forget the copy. */
  forget(id: string): void {
    this.states.delete(id);
  }
}
