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
