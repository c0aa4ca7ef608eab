import type { Migration } from 'kysely';
import { initial } from './0001_initial.js';
import { campaigns } from './0002_campaigns.js';
import { inbound } from './0003_inbound.js';
import { retries } from './0004_retries.js';
import { restrictions } from './0005_restrictions.js';
import { campaignOptions } from './0006_campaign_options.js';
import { leases } from './0007_leases.js';
import { sessionState } from './0008_session_state.js';

/**
 * Every migration, by name, in the order they run. A static list rather than a folder
 * scan, so the compiled `dist/` finds them without knowing its own file layout.
 * Names never change once released; add new ones as `0002_…`.
 */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_initial': initial,
  '0002_campaigns': campaigns,
  '0003_inbound': inbound,
  '0004_retries': retries,
  '0005_restrictions': restrictions,
  '0006_campaign_options': campaignOptions,
  '0007_leases': leases,
  '0008_session_state': sessionState,
});
