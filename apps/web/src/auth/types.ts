import type { Locale } from '@/i18n';

/** What /api/auth/me and the users routes answer (see apps/server/src/modules/auth/routes.ts). */
export type Role = 'admin' | 'operator';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: Locale;
  createdAt: string;
}

export interface Me {
  kind: 'user' | 'api_key';
  role: Role;
  name: string;
  user: User | null;
}

/** An API key as listed: never the key itself, which only the create answer carries. */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
