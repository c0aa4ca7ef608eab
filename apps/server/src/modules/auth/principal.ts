export type Role = 'admin' | 'operator';

/** Who is calling: a logged-in user or an API key. */
export interface Principal {
  kind: 'user' | 'api_key';
  /** The user's id, or the API key's id. */
  id: string;
  role: Role;
  /** The user behind the call (for an API key: its creator). */
  userId: string;
  name: string;
  /** When a login ends (ms since the epoch); API keys last until revoked. */
  expiresAt?: number;
}

/**
 * Whose credentials just ended or changed: a user's (logins, keys they created), one
 * API key, one login (by its token's hash), or anyone's (changes this instance may have
 * missed while Redis was away). Whoever holds a principal for longer than a request —
 * the WebSocket hub — looks again at the ones this touches.
 */
export type CredentialChange = { userId: string } | { apiKeyId: string } | { loginHash: string } | { anyone: true };
