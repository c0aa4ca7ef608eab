import { after, before, describe, test } from './suite.js';
import assert from 'node:assert/strict';
import { withoutDirectionMarks } from '@wasla/protocol';
import { Stack, testDatabases } from './harness.js';
import { linkByQr } from './flows.js';
import { FAST_LIMITS, testNumber, uploadCsv, worldMessages } from './campaign-flows.js';
import type { TestSocket } from './ws-client.js';

/**
 * Every text-carrying write route × every class of text people, browsers and WhatsApp
 * send, on SQLite and PostgreSQL. Each case must either be stored and read back exactly,
 * or be refused with a 4xx that names the problem and leaves everything as it was —
 * never a 500, and the same answer on both databases. A new route is one more entry
 * in `routes`.
 */

const databases = await testDatabases();

interface Fixture {
  stack: Stack;
  cookie: string;
  socket: TestSocket;
  campaignId: string;
  nextNumber(): string;
}

interface Answer {
  status: number;
  json: any;
}

interface TextRoute {
  name: string;
  /** The most text the route takes: UTF-16 units (the schema's max), or bytes of a CSV line. */
  limit: number;
  /**
   * Free text (a name, a message): every storable value within the limit must be stored.
   * Otherwise (an email, a phone number) the route may refuse a value it can't use.
   */
  freeText: boolean;
  /** The field's value that holds `text` (an email needs more around it). */
  embed?(text: string): string;
  /** A value exactly `extra` past the limit. */
  sized?(extra: number): string;
  /** How unstorable text is refused: the code and where it is said to be. */
  refusal: { code: string; details: Record<string, unknown> };
  /** What the stored value should be read back as, for what was sent (default: exactly that). */
  stored?(value: string, answer: Answer): string;
  write(fixture: Fixture, value: string): Promise<Answer & { readBack(): Promise<string> }>;
  /** Everything the route can change, to show that a refusal changed nothing. */
  snapshot(fixture: Fixture): Promise<unknown>;
}

const refusedAt = (field: string) => ({ code: 'invalid_characters', details: { field } });

async function get(fixture: Fixture, url: string): Promise<any> {
  const answer = await fixture.stack.api(fixture.cookie, 'GET', url);
  assert.equal(answer.status, 200, `GET ${url}: ${JSON.stringify(answer.json)}`);
  return answer.json;
}

const recipientsOf = (fixture: Fixture) => get(fixture, `/api/campaigns/${fixture.campaignId}/recipients?limit=100`);

/** CSV text as bytes; a lone surrogate as the three bytes a careless encoder (WTF-8) writes for it. */
function wtf8(text: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      parts.push(Buffer.from(text.slice(i, i + 2)));
      i += 1;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      parts.push(Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]));
    } else {
      parts.push(Buffer.from(text[i]!));
    }
  }
  return Buffer.concat(parts);
}

const csvQuote = (text: string): string => `"${text.replace(/"/g, '""')}"`;
/** A CSV line is `+9665010000nn,"…"`: 13 + 3 bytes around the value. */
const CSV_LINE_LIMIT = 64 * 1024;
const csvSized = (extra: number): string => 'x'.repeat(CSV_LINE_LIMIT - 16 + extra);

async function recipientNamed(fixture: Fixture, phone: string): Promise<any> {
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page: any = await get(fixture, `/api/campaigns/${fixture.campaignId}/recipients?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    const found = page.items.find((r: { phone: string }) => r.phone === phone);
    if (found) return found;
    cursor = page.nextCursor;
  }
  assert.fail(`no recipient ${phone}`);
}

const routes: TextRoute[] = [
  {
    name: 'user name',
    limit: 100,
    freeText: true,
    refusal: refusedAt('body.name'),
    async write(fixture, name) {
      const email = `user-${fixture.nextNumber().slice(1)}@wasla.test`;
      const answer = await fixture.stack.api(fixture.cookie, 'POST', '/api/users', { email, name, password: 'a long enough password', role: 'operator' });
      return { ...answer, readBack: async () => (await get(fixture, '/api/users')).items.find((u: { email: string }) => u.email === email).name };
    },
    snapshot: (fixture) => get(fixture, '/api/users'),
  },
  {
    name: 'user email',
    limit: 254,
    freeText: false,
    embed: (text) => `a${text}b@wasla.test`,
    sized: (extra) => `${'a'.repeat(254 - 11 + extra)}@wasla.test`,
    stored: (email) => email.toLowerCase(),
    refusal: refusedAt('body.email'),
    async write(fixture, email) {
      const answer = await fixture.stack.api(fixture.cookie, 'POST', '/api/users', { email, name: 'Email case', password: 'a long enough password', role: 'operator' });
      return { ...answer, readBack: async () => (await get(fixture, '/api/users')).items.find((u: { id: string }) => u.id === answer.json.id).email };
    },
    snapshot: (fixture) => get(fixture, '/api/users'),
  },
  {
    name: 'API key name',
    limit: 100,
    freeText: true,
    refusal: refusedAt('body.name'),
    async write(fixture, name) {
      const answer = await fixture.stack.api(fixture.cookie, 'POST', '/api/api-keys', { name, role: 'operator' });
      return { ...answer, readBack: async () => (await get(fixture, '/api/api-keys')).items.find((k: { id: string }) => k.id === answer.json.apiKey.id).name };
    },
    snapshot: (fixture) => get(fixture, '/api/api-keys'),
  },
  {
    name: 'message text (sent to WhatsApp)',
    limit: 4096,
    freeText: true,
    refusal: refusedAt('body.text'),
    async write(fixture, text) {
      const from = fixture.socket.received.length;
      const answer = await fixture.stack.api(fixture.cookie, 'POST', '/api/messages', { to: fixture.nextNumber(), text });
      return {
        ...answer,
        async readBack() {
          const id: string = answer.json.id;
          // WhatsApp got it (the ack is the proof), and got it exactly.
          await fixture.socket.waitFor((m) => m.type === 'message_status' && m.data.id === id && m.data.status !== 'pending', 30_000, from);
          const world = (await worldMessages(fixture.stack)).find((m) => m.id === id);
          assert.equal(world?.text, text, 'the text WhatsApp received');
          return (await get(fixture, `/api/messages/${id}`)).text;
        },
      };
    },
    // Which messages exist and what they say (receipts of earlier ones still move their status).
    snapshot: async (fixture) => (await get(fixture, '/api/messages?limit=100')).items.map((m: { id: string; text: string }) => [m.id, m.text]),
  },
  {
    name: 'campaign name',
    limit: 120,
    freeText: true,
    // A name is stored without invisible direction marks (issue 9): they only make the same name look different.
    stored: (name) => withoutDirectionMarks(name).trim(),
    refusal: refusedAt('body.name'),
    async write(fixture, name) {
      const answer = await fixture.stack.api(fixture.cookie, 'POST', '/api/campaigns', { name, template: 'Hello {{name}}', limits: FAST_LIMITS });
      return { ...answer, readBack: async () => (await get(fixture, `/api/campaigns/${answer.json.id}`)).name };
    },
    snapshot: (fixture) => get(fixture, '/api/campaigns?limit=100'),
  },
  {
    name: 'campaign template',
    limit: 4096,
    freeText: true,
    refusal: refusedAt('body.template'),
    async write(fixture, template) {
      const answer = await fixture.stack.api(fixture.cookie, 'POST', '/api/campaigns', { name: 'Template case', template, limits: FAST_LIMITS });
      return { ...answer, readBack: async () => (await get(fixture, `/api/campaigns/${answer.json.id}`)).template };
    },
    snapshot: (fixture) => get(fixture, '/api/campaigns?limit=100'),
  },
  {
    name: 'campaign template, changed',
    limit: 4096,
    freeText: true,
    refusal: refusedAt('body.template'),
    async write(fixture, template) {
      const answer = await fixture.stack.api(fixture.cookie, 'PATCH', `/api/campaigns/${fixture.campaignId}`, { template });
      return { ...answer, readBack: async () => (await get(fixture, `/api/campaigns/${fixture.campaignId}`)).template };
    },
    snapshot: (fixture) => get(fixture, `/api/campaigns/${fixture.campaignId}`),
  },
  {
    name: 'recipient variable (JSON)',
    limit: 1000,
    freeText: true,
    refusal: refusedAt('body.recipients[0].city'),
    async write(fixture, city) {
      const phone = fixture.nextNumber();
      const answer = await fixture.stack.api(fixture.cookie, 'POST', `/api/campaigns/${fixture.campaignId}/recipients`, { recipients: [{ phone, name: 'Var', city }] });
      return { ...answer, readBack: async () => (await recipientNamed(fixture, phone)).variables.city };
    },
    snapshot: recipientsOf,
  },
  {
    name: 'recipient name (JSON)',
    limit: 200,
    freeText: true,
    refusal: refusedAt('body.recipients[0].name'),
    async write(fixture, name) {
      const phone = fixture.nextNumber();
      const answer = await fixture.stack.api(fixture.cookie, 'POST', `/api/campaigns/${fixture.campaignId}/recipients`, { recipients: [{ phone, name }] });
      return { ...answer, readBack: async () => (await recipientNamed(fixture, phone)).name };
    },
    snapshot: recipientsOf,
  },
  {
    name: 'CSV name cell',
    limit: CSV_LINE_LIMIT,
    freeText: true,
    sized: csvSized,
    refusal: { code: 'invalid_csv', details: { line: 2 } },
    async write(fixture, name) {
      const phone = fixture.nextNumber();
      const answer = await uploadCsv(fixture.stack, fixture.cookie, fixture.campaignId, wtf8(`phone,name\n${phone},${csvQuote(name)}\n`));
      return { ...answer, readBack: async () => (await recipientNamed(fixture, phone)).name };
    },
    snapshot: recipientsOf,
  },
  {
    name: 'CSV variable cell',
    limit: CSV_LINE_LIMIT,
    freeText: true,
    sized: csvSized,
    refusal: { code: 'invalid_csv', details: { line: 3 } },
    async write(fixture, city) {
      const [first, phone] = [fixture.nextNumber(), fixture.nextNumber()];
      // The value is on the second recipient line: the whole file fails, the first row too.
      const answer = await uploadCsv(fixture.stack, fixture.cookie, fixture.campaignId, wtf8(`phone,city\n${first},Riyadh\n${phone},${csvQuote(city)}\n`));
      return { ...answer, readBack: async () => (await recipientNamed(fixture, phone)).variables.city };
    },
    snapshot: recipientsOf,
  },
  {
    name: 'opt-out number',
    limit: 40,
    freeText: false,
    embed: (text) => `+96650${text}1000001`,
    sized: (extra) => `+966501000001${' '.repeat(40 - 13 + extra)}`,
    // Stored as the E.164 number the answer names.
    stored: (_value, answer) => {
      assert.match(answer.json.phone, /^\+[1-9]\d+$/);
      return answer.json.phone;
    },
    refusal: refusedAt('body.phone'),
    async write(fixture, phone) {
      const answer = await fixture.stack.api(fixture.cookie, 'POST', '/api/suppressions', { phone });
      return { ...answer, readBack: async () => (await get(fixture, '/api/suppressions?limit=100')).items.find((s: { phone: string }) => s.phone === answer.json.phone).phone };
    },
    snapshot: (fixture) => get(fixture, '/api/suppressions?limit=100'),
  },
];

interface TextCase {
  name: string;
  value(route: TextRoute): string;
  /** `unstorable`: refused the route's way; `too_long`: any clear 4xx; `storable`: stored by free-text routes. */
  kind: 'unstorable' | 'too_long' | 'storable';
}

const plain = (name: string, text: string, kind: TextCase['kind'] = 'storable'): TextCase => ({ name, kind, value: (route) => (route.embed ? route.embed(text) : text) });
const sized = (route: TextRoute, extra: number): string => (route.sized ? route.sized(extra) : 'ع'.repeat(route.limit + extra));
const WHATSAPP_TEXT_LIMIT = 65_536;

const cases: TextCase[] = [
  plain('NUL', 'a\u0000b', 'unstorable'),
  plain('lone high surrogate', 'a\uD83Db', 'unstorable'),
  plain('lone low surrogate', 'a\uDE00b', 'unstorable'),
  plain('high surrogate at the end', 'ab\uD83D', 'unstorable'),
  plain('astral emoji (4-byte UTF-8)', 'x😀🇸🇦𝄞y'),
  plain('ZWJ sequences', 'x👨‍👩‍👧‍👦 🏳️‍🌈 👩🏽‍💻y'),
  plain('combining marks', 'xe\u0301 a\u0308\u0323 Z\u0324\u0354\u0367y'),
  plain('bidi marks and isolates', 'x\u200Fa\u200E \u2066b\u2069 \u2067c\u2069 \u2068d\u2069 \u202Ee\u202C\u061Cy'),
  plain('Arabic', 'عميلنا العزيز محمد ١٢٣'),
  plain('CR, LF and tab', 'x1\r\n2\n3\r4\t5y'),
  plain('noncharacters U+FFFF and U+FFFE', 'x\uFFFFa\uFFFEy'),
  plain('line and paragraph separators', 'x\u2028a\u2029y'),
  { name: 'at the limit', kind: 'storable', value: (route) => sized(route, 0) },
  { name: 'one past the limit', kind: 'too_long', value: (route) => sized(route, 1) },
  { name: "WhatsApp's longest text (65,536)", kind: 'too_long', value: () => 'ع'.repeat(WHATSAPP_TEXT_LIMIT) },
];

/** What each database answered, by "route / case", to compare them at the end. */
const answers = new Map<string, Map<string, string>>();

for (const database of databases) {
  describe(`text safety on ${database.name}`, { skip: database.skip }, () => {
    let fixture: Fixture;
    const seen = new Map<string, string>();
    answers.set(database.name, seen);

    before(async () => {
      const stack = await Stack.start({ database });
      const cookie = await stack.login();
      const socket = await stack.socket(cookie, ['session_update', 'qr_code', 'message_status']);
      await linkByQr(stack, cookie, socket);
      const draft = await stack.api(cookie, 'POST', '/api/campaigns', { name: 'Audience', template: 'Hello {{name}} in {{city}}', limits: FAST_LIMITS });
      assert.equal(draft.status, 201);
      let n = 100;
      fixture = { stack, cookie, socket, campaignId: draft.json.id, nextNumber: () => testNumber((n += 1)) };
    });
    after(async () => {
      fixture.socket.close();
      await fixture.stack.close();
    });

    for (const route of routes) {
      test(`${route.name}: every class of text is stored exactly or refused cleanly`, async () => {
        for (const textCase of cases) {
          const value = textCase.value(route);
          const label = `${route.name} / ${textCase.name}`;
          const before = await route.snapshot(fixture);
          const answer = await route.write(fixture, value);
          assert.ok(answer.status < 500, `${label}: ${answer.status} ${JSON.stringify(answer.json)}`);
          seen.set(label, answer.status < 300 ? 'stored' : `${answer.status} ${answer.json?.error?.code}`);
          const mustStore = textCase.kind === 'storable' && route.freeText;
          if (answer.status < 300) {
            assert.notEqual(textCase.kind, 'unstorable', `${label} was accepted`);
            assert.notEqual(textCase.kind, 'too_long', `${label} was accepted`);
            assert.equal(await answer.readBack(), route.stored ? route.stored(value, answer) : value, `${label}: read back`);
            continue;
          }
          assert.ok(!mustStore, `${label}: refused ${answer.status} ${JSON.stringify(answer.json)}`);
          assert.ok(answer.status >= 400 && answer.status < 500, `${label}: ${answer.status}`);
          assert.equal(typeof answer.json.error.message, 'string', label);
          assert.ok(answer.json.error.message.length > 10, label);
          if (textCase.kind === 'unstorable') {
            assert.equal(answer.status, 400, label);
            assert.equal(answer.json.error.code, route.refusal.code, `${label}: ${JSON.stringify(answer.json)}`);
            assert.deepEqual(pick(answer.json.error.details, Object.keys(route.refusal.details)), route.refusal.details, `${label}: ${JSON.stringify(answer.json)}`);
          }
          assert.deepEqual(await route.snapshot(fixture), before, `${label}: a refusal changed something`);
        }
      });
    }
  });
}

function pick(details: Record<string, unknown> | undefined, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, details?.[key]]));
}

describe('text safety across databases', { skip: databases.find((d) => d.skip)?.skip ?? false }, () => {
  test('SQLite and PostgreSQL answered every route and text alike', () => {
    const [sqlite, postgres] = [answers.get('sqlite'), answers.get('postgres')];
    assert.ok(sqlite && postgres && sqlite.size === routes.length * cases.length, `${sqlite?.size} answers on SQLite`);
    assert.deepEqual(Object.fromEntries(postgres), Object.fromEntries(sqlite));
  });
});
