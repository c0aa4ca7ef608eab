import assert from 'node:assert/strict';
import type { Campaign, CampaignLimits, ImportResult } from '@wasla/protocol';
import type { Stack } from './harness.js';
import type { TestSocket } from './ws-client.js';

/** No gaps, generous caps, no quiet hours: a campaign as fast as WhatsApp acks. */
export const FAST_LIMITS: CampaignLimits = { minGapMs: 0, maxGapMs: 0, hourlyCap: 100_000, dailyCap: 1_000_000, quietHours: null };

/** The n-th test number, a valid Saudi mobile: +9665010000nn. */
export function testNumber(n: number): string {
  return `+96650${String(1_000_000 + n).padStart(7, '0')}`;
}

export async function uploadCsv(stack: Stack, cookie: string, campaignId: string, body: string | Buffer): Promise<{ status: number; json: any }> {
  const response = await fetch(`${stack.baseUrl}/api/campaigns/${campaignId}/recipients`, {
    method: 'POST',
    headers: { cookie, origin: stack.baseUrl, 'content-type': 'text/csv' },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** Creates a draft with the given CSV audience; asserts every step succeeded. */
export async function createCampaign(
  stack: Stack,
  cookie: string,
  input: { name?: string; template: string; csv: string; limits?: Partial<CampaignLimits> },
): Promise<{ campaign: Campaign; imported: ImportResult }> {
  const created = await stack.api(cookie, 'POST', '/api/campaigns', { name: input.name ?? 'Test campaign', template: input.template, limits: { ...FAST_LIMITS, ...input.limits } });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const imported = await uploadCsv(stack, cookie, created.json.id, input.csv);
  assert.equal(imported.status, 200, JSON.stringify(imported.json));
  return { campaign: created.json as Campaign, imported: imported.json as ImportResult };
}

/** Waits for a `campaign_progress` of the campaign that satisfies `predicate`. */
export function waitForProgress(socket: TestSocket, campaignId: string, predicate: (data: any) => boolean, timeoutMs = 30_000, from = 0) {
  return socket.waitFor<any>((m) => m.type === 'campaign_progress' && m.data.campaignId === campaignId && predicate(m.data), timeoutMs, from);
}

/** Every message the emulated world received, by recipient. */
export async function receivedByRecipient(stack: Stack): Promise<Map<string, { id: string; text: string | null }[]>> {
  const { messages: received } = (await stack.control('GET', '/control/messages')) as { messages: { id: string; to: string; text: string | null }[] };
  const byRecipient = new Map<string, { id: string; text: string | null }[]>();
  for (const message of received) byRecipient.set(message.to, [...(byRecipient.get(message.to) ?? []), { id: message.id, text: message.text }]);
  return byRecipient;
}

/** What the emulated world received, in order. */
export async function worldMessages(stack: Stack): Promise<{ id: string; to: string; text: string | null; status: string }[]> {
  return ((await stack.control('GET', '/control/messages')) as { messages: { id: string; to: string; text: string | null; status: string }[] }).messages;
}

/** Every recipient of a campaign, all pages. */
export async function allRecipients(stack: Stack, cookie: string, campaignId: string): Promise<any[]> {
  const all: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; json: any } = await stack.api(cookie, 'GET', `/api/campaigns/${campaignId}/recipients?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200);
    all.push(...page.json.items);
    cursor = page.json.nextCursor;
  } while (cursor);
  return all;
}
