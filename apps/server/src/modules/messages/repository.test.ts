import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Message, MessageStatus } from '@wasla/protocol';
import { AppError } from '../../errors/app-error.js';
import { DuplicateError } from '../../storage/errors.js';
import { forEachDatabase } from '../../storage/testing.js';
import { MessagesRepository } from './repository.js';
import type { NewMessage } from './repository.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();
// WhatsApp-like ids: upper-case hex of one length sort the same under any collation.
const waId = (n: number): string => `3EB0${n.toString(16).toUpperCase().padStart(8, '0')}`;

function newMessage(id: string, overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    id,
    sessionId: 'default',
    direction: 'out',
    peer: '+966501234567',
    text: 'مرحبا',
    status: 'pending',
    error: null,
    errorCode: null,
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

forEachDatabase('MessagesRepository', (database) => {
  let messages: MessagesRepository;
  before(() => {
    messages = new MessagesRepository(database.storage.db);
  });

  describe('insert and get', () => {
    it('stores a message and reads it back as the API shape', async () => {
      const stored = await messages.insert(newMessage('M1'));
      const expected: Message = {
        id: 'M1',
        sessionId: 'default',
        direction: 'out',
        peer: '+966501234567',
        text: 'مرحبا',
        status: 'pending',
        error: null,
        errorCode: null,
        createdAt: at(0),
        updatedAt: at(0),
      };
      assert.deepEqual(stored, expected);
      assert.deepEqual(await messages.get('M1'), expected);
      assert.equal(await messages.get('missing'), null);
    });

    it('rejects a duplicate id with DuplicateError', async () => {
      await assert.rejects(messages.insert(newMessage('M1')), DuplicateError);
    });
  });

  describe('updateStatus', () => {
    const change = (status: MessageStatus, seconds: number, error: string | null = null, errorCode: string | null = null) => ({
      status,
      error,
      errorCode,
      updatedAt: at(seconds),
    });

    it('moves a status forward and returns the updated message', async () => {
      await messages.insert(newMessage('S1'));
      const sent = await messages.updateStatus('S1', change('sent', 1));
      assert.equal(sent?.status, 'sent');
      assert.equal(sent?.updatedAt, at(1));
      assert.equal((await messages.updateStatus('S1', change('read', 3)))?.status, 'read');
    });

    it('never moves a status backwards or sideways', async () => {
      assert.equal(await messages.updateStatus('S1', change('delivered', 4)), null, 'delivered after read');
      assert.equal(await messages.updateStatus('S1', change('sent', 4)), null);
      assert.equal(await messages.updateStatus('S1', change('read', 4)), null, 'same status again');
      assert.equal(await messages.updateStatus('S1', change('pending', 4)), null);
      assert.equal(await messages.updateStatus('S1', change('unknown', 4)), null);
      const stored = await messages.get('S1');
      assert.equal(stored?.status, 'read');
      assert.equal(stored?.updatedAt, at(3));
    });

    it('records failure with its reason, and nothing moves on from failed', async () => {
      await messages.insert(newMessage('F1'));
      const failed = await messages.updateStatus('F1', change('failed', 2, 'This number is not on WhatsApp.', 'not_on_whatsapp'));
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.error, 'This number is not on WhatsApp.');
      assert.equal(failed?.errorCode, 'not_on_whatsapp');
      for (const status of ['sent', 'delivered', 'read', 'failed'] as const) {
        assert.equal(await messages.updateStatus('F1', change(status, 5)), null, status);
      }
    });

    it('applies any status when not restricted to higher ranks', async () => {
      const reset = await messages.updateStatus('F1', change('pending', 6), false);
      assert.equal(reset?.status, 'pending');
      assert.equal(reset?.error, null);
    });

    it('answers null for an unknown message', async () => {
      assert.equal(await messages.updateStatus('missing', change('sent', 1)), null);
      assert.equal(await messages.updateStatus('missing', change('sent', 1), false), null);
    });

    it('lets exactly one of two racing updates win', async () => {
      await messages.insert(newMessage('R1'));
      const results = await Promise.all([messages.updateStatus('R1', change('delivered', 1)), messages.updateStatus('R1', change('delivered', 2))]);
      assert.equal(results.filter((result) => result !== null).length, 1);
    });
  });

  describe('list', () => {
    const SESSION = 'paged';
    const ROWS = 53;
    let expected: string[];

    before(async () => {
      const rows: NewMessage[] = [];
      // Five messages share each second, inserted in shuffled order, so ties in
      // created_at are common and insertion order says nothing.
      for (let n = 0; n < ROWS; n++) rows.push(newMessage(waId((n * 37) % ROWS), { sessionId: SESSION, createdAt: at(1000 + Math.floor(n / 5)) }));
      for (const row of rows) await messages.insert(row);
      await messages.insert(newMessage('OTHER', { sessionId: 'elsewhere', createdAt: at(5000) }));
      expected = rows
        .slice()
        .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1))
        .map((row) => row.id);
    });

    async function walk(limit: number): Promise<{ ids: string[]; pages: number }> {
      const ids: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await messages.list({ sessionId: SESSION, limit, ...(cursor ? { cursor } : {}) });
        pages++;
        assert.ok(page.items.length <= limit);
        ids.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor ?? undefined;
        if (cursor) assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'the cursor is base64url');
        assert.ok(pages <= ROWS + 1, 'the walk ends');
      } while (cursor);
      return { ids, pages };
    }

    for (const limit of [1, 4, 5, 7, 53, 100]) {
      it(`walks every row exactly once, newest first, ${limit} per page`, async () => {
        const { ids, pages } = await walk(limit);
        assert.deepEqual(ids, expected);
        assert.equal(new Set(ids).size, ROWS);
        assert.equal(pages, Math.max(1, Math.ceil(ROWS / limit)), 'no empty page at the end');
      });
    }

    it('lists every session when none is given', async () => {
      const first = await messages.list({ limit: 1 });
      assert.equal(first.items[0]?.id, 'OTHER');
      assert.ok(first.nextCursor);
    });

    it('defaults to 50 per page', async () => {
      assert.equal((await messages.list({ sessionId: SESSION })).items.length, 50);
    });

    it('rejects a malformed cursor as a bad request', async () => {
      for (const cursor of ['not-a-cursor', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url')]) {
        await assert.rejects(messages.list({ cursor, limit: 10 }), (error: unknown) => error instanceof AppError && error.code === 'bad_request');
      }
    });

    it('rejects a limit outside 1..100', async () => {
      for (const limit of [0, 101, 2.5]) await assert.rejects(messages.list({ limit }), RangeError);
    });
  });
});

forEachDatabase('MessagesRepository after a stop', (database) => {
  it('marks outgoing messages left pending by an earlier run unknown, and nothing else', async () => {
    const messages = new MessagesRepository(database.storage.db);
    await messages.insert(newMessage('OLD', { createdAt: at(1) }));
    await messages.insert(newMessage('SENT', { createdAt: at(1), status: 'sent' }));
    await messages.insert(newMessage('IN', { createdAt: at(1), direction: 'in', status: 'pending' }));
    await messages.insert(newMessage('NEW', { createdAt: at(10) }));
    assert.equal(await messages.markInterrupted(at(5), 'stopped'), 1);
    assert.deepEqual(
      await Promise.all(['OLD', 'SENT', 'IN', 'NEW'].map(async (id) => (await messages.get(id))?.status)),
      ['unknown', 'sent', 'pending', 'pending'],
    );
    assert.equal((await messages.get('OLD'))?.errorCode, 'interrupted');
  });

  it("an instance that took some sessions over marks only theirs: another instance may be sending the others'", async () => {
    const messages = new MessagesRepository(database.storage.db);
    await messages.insert(newMessage('SALES', { createdAt: at(1), sessionId: 'sales' }));
    await messages.insert(newMessage('SUPPORT', { createdAt: at(1), sessionId: 'support' }));
    assert.equal(await messages.markInterrupted(at(5), 'stopped', []), 0);
    assert.equal(await messages.markInterrupted(at(5), 'stopped', ['sales']), 1);
    assert.deepEqual([(await messages.get('SALES'))?.status, (await messages.get('SUPPORT'))?.status], ['unknown', 'pending']);
  });
});
