import type {
  Campaign,
  CampaignReadiness,
  CampaignReadinessRequest,
  CampaignReport,
  CampaignStatus,
  CreateCampaignRequest,
  ImportResult,
  RangeReport,
  Recipient,
  RecipientStatus,
  TemplatePreview,
  UpdateCampaignRequest,
} from '@wasla/protocol';
import { apiFetch } from './api';

/** A page of a cursor-paginated list. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The largest audience file the server reads. */
export const MAX_CSV_BYTES = 20 * 1024 * 1024;

const campaignPath = (id: string, route = ''): string => `/api/campaigns/${encodeURIComponent(id)}${route}`;

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The campaign REST API, one function per route; each throws `ApiError` with the server's words. */
export const campaignsApi = {
  list: (options: { status?: CampaignStatus | null; cursor?: string | null; limit?: number; signal?: AbortSignal } = {}) =>
    apiFetch<Page<Campaign>>(`/api/campaigns${query({ status: options.status, cursor: options.cursor, limit: options.limit })}`, options.signal ? { signal: options.signal } : {}),
  get: (id: string, signal?: AbortSignal) => apiFetch<Campaign>(campaignPath(id), signal ? { signal } : {}),
  create: (body: CreateCampaignRequest) => apiFetch<Campaign>('/api/campaigns', { method: 'POST', body }),
  update: (id: string, body: UpdateCampaignRequest) => apiFetch<Campaign>(campaignPath(id), { method: 'PATCH', body }),
  remove: (id: string) => apiFetch<void>(campaignPath(id), { method: 'DELETE' }),
  /** For a page being left: the request outlives it. */
  updateKeepalive: (id: string, body: UpdateCampaignRequest) => apiFetch<Campaign>(campaignPath(id), { method: 'PATCH', body, keepalive: true }),
  removeKeepalive: (id: string) => apiFetch<void>(campaignPath(id), { method: 'DELETE', keepalive: true }),
  importCsv: (id: string, file: Blob) => apiFetch<ImportResult>(campaignPath(id, '/recipients'), { method: 'POST', upload: { data: file, contentType: 'text/csv' } }),
  clearRecipients: (id: string) => apiFetch<Campaign>(campaignPath(id, '/recipients'), { method: 'DELETE' }),
  recipients: (id: string, options: { status?: RecipientStatus | null; cursor?: string | null; limit?: number; signal?: AbortSignal } = {}) =>
    apiFetch<Page<Recipient>>(campaignPath(id, `/recipients${query({ status: options.status, cursor: options.cursor, limit: options.limit })}`), options.signal ? { signal: options.signal } : {}),
  preview: (id: string, template: string, seq: number | null, signal?: AbortSignal) =>
    apiFetch<TemplatePreview>(campaignPath(id, '/preview'), { method: 'POST', body: seq === null ? { template } : { template, seq }, ...(signal ? { signal } : {}) }),
  command: (id: string, command: 'start' | 'pause' | 'resume' | 'cancel') => apiFetch<Campaign>(campaignPath(id, `/${command}`), { method: 'POST' }),
  /** Whether Start will work and who will receive it: the check Start makes. */
  readiness: (id: string, instead: CampaignReadinessRequest, signal?: AbortSignal) =>
    apiFetch<CampaignReadiness>(campaignPath(id, '/readiness'), { method: 'POST', body: instead, ...(signal ? { signal } : {}) }),
  /** A new draft with the campaign's message, limits and recipients. */
  duplicate: (id: string, name?: string) => apiFetch<Campaign>(campaignPath(id, '/duplicate'), { method: 'POST', body: name ? { name } : {} }),
  /** A new draft to send again to the recipients whose message failed or whose fate is unknown. */
  resend: (id: string, name?: string) => apiFetch<Campaign>(campaignPath(id, '/resend'), { method: 'POST', body: name ? { name } : {} }),
  /** Deletes drafts, all or none. */
  deleteDrafts: (ids: string[]) => apiFetch<{ deleted: number }>('/api/campaigns/delete-drafts', { method: 'POST', body: { ids } }),
  report: (id: string, signal?: AbortSignal) => apiFetch<CampaignReport>(campaignPath(id, '/report'), signal ? { signal } : {}),
  /** A plain link: the browser downloads the file with the login cookie. */
  reportCsvHref: (id: string) => campaignPath(id, '/report.csv'),
  rangeReport: (range: { from: string; to: string; timeZone: string }, signal?: AbortSignal) => apiFetch<RangeReport>(`/api/reports${query(range)}`, signal ? { signal } : {}),
};

/** The statuses in which a campaign's outbox still has work (or will have). */
export const ACTIVE_STATUSES: readonly CampaignStatus[] = ['scheduled', 'running', 'paused'];

/** Recipients whose fate is settled: everyone but the pending. */
export function processedCount(counts: Campaign['counts']): number {
  return Math.max(0, counts.total - counts.pending);
}

/** The browser's IANA time zone, e.g. `Asia/Riyadh`. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** `YYYY-MM-DD` of `date` in `timeZone`. */
export function dayIn(date: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/** `day` (YYYY-MM-DD) moved by `days`, calendar-wise. */
export function addDays(day: string, days: number): string {
  const [year, month, date] = day.split('-').map(Number);
  const moved = new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, (date ?? 1) + days));
  return moved.toISOString().slice(0, 10);
}
