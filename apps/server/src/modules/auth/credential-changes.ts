import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EventBus } from '../../events/events.js';
import type { CredentialChange } from './principal.js';
import type { PrincipalCache } from './principal-cache.js';

/**
 * Credential changes on this instance and the others. One made here takes effect here
 * before the caller answers (the next request is refused at once), then goes to the
 * other instances as `credentials_changed`; each applies it when it arrives. This
 * instance skips its own on the bus (already applied), so every instance applies each
 * change exactly once.
 */
export class CredentialChanges {
  private readonly listeners = new Set<(change: CredentialChange) => void>();
  /** Tells this instance's own events from the others'. */
  private readonly origin = randomUUID();

  constructor(private readonly options: { cache: PrincipalCache; logger: Logger; bus?: EventBus }) {
    options.bus?.subscribe('credentials_changed', ({ origin, change }) => {
      if (origin !== this.origin) this.apply(change);
    });
  }

  /** Calls `listener` after any credential ended or changed; returns how to stop. */
  listen(listener: (change: CredentialChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A change made on this instance. */
  made(change: CredentialChange): void {
    this.apply(change);
    this.options.bus?.publish('credentials_changed', { origin: this.origin, change });
  }

  /** Forgets cached principals the change touches, then tells the listeners. */
  apply(change: CredentialChange): void {
    const { cache } = this.options;
    if ('loginHash' in change) cache.delete(change.loginHash);
    else if ('userId' in change) cache.deleteWhere((principal) => principal.userId === change.userId);
    else if ('apiKeyId' in change) cache.deleteWhere((principal) => principal.kind === 'api_key' && principal.id === change.apiKeyId);
    else cache.clear();
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.options.logger.error({ err: error }, 'a credential change listener failed');
      }
    }
  }
}
