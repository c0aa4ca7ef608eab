import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DEFAULT_CAMPAIGN_LIMITS } from '@wasla/protocol';
import { forEachDatabase } from '../../storage/testing.js';
import { OutboxStore } from './outbox-store.js';
import { RecipientsRepository, totalsFromGroups } from './recipients-repository.js';
import type { NewRecipient } from './recipients-repository.js';
import { CampaignsRepository } from './repository.js';
import type { CampaignRecord } from './repository.js';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

function campaign(id: string, overrides: Partial<CampaignRecord> = {}): CampaignRecord & { createdBy: null } {
  return {
    id,
    sessionId: 'default',
    name: id,
    template: 'Hi {{name}}',
    status: 'running',
    options: { missingValues: 'refuse' },
    limits: DEFAULT_CAMPAIGN_LIMITS,
    scheduledAt: null,
    pause: null,
    createdAt: at(0),
    updatedAt: at(0),
    startedAt: at(0),
    finishedAt: null,
    createdBy: null,
    ...overrides,
  };
}

const recipient = (n: number, overrides: Partial<NewRecipient> = {}): NewRecipient => ({
  phone: `+9665010000${String(n).padStart(2, '0')}`,
  name: `R${n}`,
  variables: { code: `C${n}` },
  line: n + 1,
  status: 'pending',
  reason: null,
  error: null,
  ...overrides,
});

forEachDatabase('campaign storage', (database) => {
  let repository: CampaignsRepository;
  let recipients: RecipientsRepository;
  let store: OutboxStore;
  before(async () => {
    repository = new CampaignsRepository(database.storage.db);
    recipients = new RecipientsRepository(database.storage.db);
    store = new OutboxStore(database.storage.db);
    await repository.insert(campaign('A'));
    await recipients.insertRecipients(recipients.db, 'A', 0, [recipient(1), recipient(2), recipient(3), recipient(4, { status: 'skipped', reason: 'invalid', error: 'bad' })], at(0));
  });

  describe('claim, statuses and recovery', () => {
    it('claims a pending recipient once, storing its message in the same step', async () => {
      const message = { id: 'M1', sessionId: 'default', peer: '+966501000001', text: 'Hi R1' };
      assert.equal(await store.claim({ campaignId: 'A', seq: 1 }, message, at(1)), true);
      assert.equal(await store.claim({ campaignId: 'A', seq: 1 }, { ...message, id: 'M1b' }, at(2)), false);
      const row = await database.storage.db.selectFrom('messages').selectAll().where('id', '=', 'M1').executeTakeFirstOrThrow();
      assert.equal(row.status, 'pending');
      assert.equal(await database.storage.db.selectFrom('messages').select('id').where('id', '=', 'M1b').executeTakeFirst(), undefined);
      const claimed = await recipients.recipient('A', 1);
      assert.equal(claimed?.status, 'pending', 'sending shows as pending to clients');
      assert.equal(claimed?.messageId, 'M1');
      assert.equal(claimed?.sentAt, at(1));
      assert.deepEqual((await store.nextPending('A', 10)).map((r) => r.seq), [2, 3]);
    });

    it('moves a recipient forward only', async () => {
      assert.equal(await store.applyMessageStatus('M1', 'delivered', null, null, at(3)), 'A');
      assert.equal(await store.applyMessageStatus('M1', 'sent', null, null, at(4)), null);
      assert.equal((await recipients.recipient('A', 1))?.status, 'delivered');
      assert.equal(await store.applyMessageStatus('unknown-id', 'read', null, null, at(4)), null);
    });

    it("recovery of the sessions an instance took over leaves other sessions' sends alone (another instance may be sending them)", async () => {
      await repository.insert(campaign('S', { sessionId: 'sales' }));
      await recipients.insertRecipients(recipients.db, 'S', 0, [recipient(1)], at(0));
      await store.claim({ campaignId: 'S', seq: 1 }, { id: 'MS1', sessionId: 'sales', peer: '+966501000001', text: 'Hi' }, at(1));
      assert.deepEqual(await store.recoverInterrupted('stopped mid-send', at(2), []), []);
      assert.deepEqual(await store.recoverInterrupted('stopped mid-send', at(2), ['default', 'support']), [], "nothing of 'sales'");
      assert.equal((await recipients.recipient('S', 1))?.status, 'pending', 'still being sent, as clients see it');
      assert.deepEqual(await store.recoverInterrupted('stopped mid-send', at(3), ['sales']), ['S']);
      assert.equal((await recipients.recipient('S', 1))?.status, 'unknown');
    });

    it('after a crash: an acknowledged claim takes its message status, an unacknowledged one becomes unknown', async () => {
      await store.claim({ campaignId: 'A', seq: 2 }, { id: 'M2', sessionId: 'default', peer: '+966501000002', text: 'Hi R2' }, at(5));
      await store.claim({ campaignId: 'A', seq: 3 }, { id: 'M3', sessionId: 'default', peer: '+966501000003', text: 'Hi R3' }, at(6));
      // M2's ack was stored before the crash, but not yet copied to its recipient.
      await database.storage.db.updateTable('messages').set({ status: 'sent' }).where('id', '=', 'M2').execute();
      const touched = await store.recoverInterrupted('stopped mid-send', at(7));
      assert.deepEqual(touched, ['A']);
      assert.equal((await recipients.recipient('A', 2))?.status, 'sent');
      const lost = await recipients.recipient('A', 3);
      assert.deepEqual([lost?.status, lost?.reason, lost?.error], ['unknown', 'interrupted', 'stopped mid-send']);
      const message = await database.storage.db.selectFrom('messages').selectAll().where('id', '=', 'M3').executeTakeFirstOrThrow();
      assert.equal(message.status, 'unknown');
      assert.deepEqual(await store.recoverInterrupted('again', at(8)), []);
      assert.equal(await store.hasUnfinished('A'), false);
      // A late receipt still moves an unknown message forward.
      await store.applyMessageStatus('M3', 'read', null, null, at(9));
      assert.equal((await recipients.recipient('A', 3))?.status, 'read');
    });

    it('counts and report totals by one definition: sent includes delivered and read, delivered includes read', async () => {
      // One recipient each at sent, delivered and read, one skipped.
      assert.deepEqual(await recipients.counts('A'), { total: 4, pending: 0, sent: 3, delivered: 2, read: 1, failed: 0, skipped: 1, unknown: 0 });
      const totals = totalsFromGroups(await recipients.reportGroups('A'));
      assert.deepEqual(totals, { sent: 3, delivered: 2, read: 1, failed: 0, skipped: 1, unknown: 0, pending: 0, failedByReason: {}, skippedByReason: { invalid: 1 } });
      // The recipient filters mean the same: "sent" lists the three.
      const listed = async (status: 'sent' | 'delivered' | 'read'): Promise<string[]> => (await recipients.recipients('A', { status, limit: 10 })).items.map((r) => r.status).sort();
      assert.deepEqual(await listed('sent'), ['delivered', 'read', 'sent']);
      assert.deepEqual(await listed('delivered'), ['delivered', 'read']);
      assert.deepEqual(await listed('read'), ['read']);
    });
  });

  describe('caps and history', () => {
    it('counts the session’s campaign sends in a window and finds the n-th most recent', async () => {
      const since = await store.sentSince('default', at(0));
      assert.deepEqual(since, { count: 3, newest: at(6) });
      assert.equal((await store.sentSince('default', at(5.5))).count, 1);
      assert.equal((await store.sentSince('other', at(0))).count, 0);
      assert.equal(await store.nthRecentSend('default', at(0), 1), at(6));
      assert.equal(await store.nthRecentSend('default', at(0), 3), at(1));
      assert.equal(await store.nthRecentSend('default', at(0), 4), null);
    });
  });

  describe('lifecycle guards', () => {
    it('changes status only from the states given', async () => {
      await repository.insert(campaign('B', { status: 'draft', startedAt: null }));
      assert.equal(await repository.setStatus('B', ['running'], 'paused', { at: at(1) }), false);
      assert.equal(await repository.setStatus('B', ['draft'], 'running', { at: at(2), started: true }), true);
      assert.equal(await repository.setStatus('B', ['running'], 'paused', { at: at(3), pause: { code: 'user', reason: 'by a person' } }), true);
      const paused = await repository.get('B');
      assert.deepEqual(paused?.pause, { code: 'user', reason: 'by a person', at: at(3) });
      assert.equal(paused?.startedAt, at(2));
      assert.equal(await repository.updateDraft('B', { name: 'x' }, at(4)), false);
      assert.equal(await repository.deleteDraft('B'), false);
    });

    it('finds what a template lacks per recipient, by variable', async () => {
      await repository.insert(campaign('C', { status: 'draft', startedAt: null }));
      await recipients.insertRecipients(recipients.db, 'C', 0, [recipient(1), recipient(2, { variables: { code: ' ' } }), recipient(3, { variables: {}, name: null })], at(0));
      assert.deepEqual(await recipients.missingVariables('C', 'Hi {{name}} {{code}} {{phone}}'), [
        { variable: 'code', count: 2, firstSeq: 2 },
        { variable: 'name', count: 1, firstSeq: 3 },
      ]);
      assert.deepEqual(await recipients.phones('C'), new Set([recipient(1).phone, recipient(2).phone, recipient(3).phone]));
      assert.equal(await recipients.maxSeq('C'), 3);
      assert.equal(await repository.deleteDraft('C'), true);
      assert.equal(await repository.get('C'), null);
    });
  });
});
