import { after, before, describe, test } from './suite.js';
import assert from 'node:assert/strict';
import { Stack, testDatabases } from './harness.js';
import { FAST_LIMITS, testNumber } from './campaign-flows.js';

/**
 * What reaches the database from the edges of every route — parameters, query strings,
 * JSON bodies at any depth, opaque cursors, numbers and dates — is either usable on both
 * databases or refused with a 4xx. Never a 500, never a hang.
 */

const databases = await testDatabases();

/** Text PostgreSQL can't store, as JSON carries it and as a URL carries it (a URL can't carry a lone surrogate). */
const UNSTORABLE = [
  { name: 'NUL', text: 'a\u0000b', url: 'a%00b', character: 'U+0000' },
  { name: 'lone surrogate', text: 'a\uD800b', url: null, character: 'U+D800' },
];

const b64 = (text: string): string => Buffer.from(text).toString('base64url');

for (const database of databases) {
  describe(`request safety on ${database.name}`, { skip: database.skip }, () => {
    let stack: Stack;
    let cookie: string;
    let campaignId: string;

    before(async () => {
      stack = await Stack.start({ database });
      cookie = await stack.login();
      const draft = await stack.api(cookie, 'POST', '/api/campaigns', { name: 'Probe', template: 'Hi {{name}}', limits: FAST_LIMITS });
      campaignId = draft.json.id;
      const added = await stack.api(cookie, 'POST', `/api/campaigns/${campaignId}/recipients`, { recipients: [{ phone: testNumber(1), name: 'One' }] });
      assert.equal(added.status, 200);
    });
    after(() => stack.close());

    const send = async (method: string, url: string, body?: string): Promise<{ status: number; json: any }> => {
      const response = await fetch(`${stack.baseUrl}${url}`, {
        method,
        headers: { cookie, origin: stack.baseUrl, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      return { status: response.status, json: text ? JSON.parse(text) : null };
    };

    const refused = (answer: { status: number; json: any }, field: string, character: string, label: string): void => {
      assert.equal(answer.status, 400, `${label}: ${JSON.stringify(answer.json)}`);
      assert.equal(answer.json.error.code, 'invalid_characters', label);
      assert.deepEqual(answer.json.error.details, { field, character }, label);
      assert.ok(answer.json.error.message.startsWith(field) || answer.json.error.message.includes(field), label);
    };

    test('every route refuses unstorable text in its parameters, query string and JSON body, at any depth, before it runs', async () => {
      const routes = stack.app.routes.filter((route) => route.url.startsWith('/api') && route.method !== 'HEAD' && route.url !== '/api/docs' && !route.url.startsWith('/api/docs/'));
      assert.ok(routes.length >= 25, `only ${routes.length} routes`);
      const before = await send('GET', '/api/campaigns?limit=100');
      for (const { method, url } of routes) {
        const concrete = url.replace(/:id/g, campaignId).replace(/:phone/g, encodeURIComponent(testNumber(1)));
        const hasBody = method !== 'GET' && method !== 'DELETE';
        for (const bad of UNSTORABLE) {
          const label = `${method} ${url} / ${bad.name}`;
          if (bad.url) refused(await send(method, `${concrete}?probe=${bad.url}`, hasBody ? '{}' : undefined), 'query.probe', bad.character, `${label} in the query`);
          if (bad.url && /:\w+/.test(url)) {
            const param = url.match(/:(\w+)/)![1]!;
            refused(await send(method, url.replace(/:\w+/g, bad.url), hasBody ? '{}' : undefined), `params.${param}`, bad.character, `${label} in the path`);
          }
          if (hasBody) {
            const body = JSON.stringify({ name: 'fine', nested: { list: ['fine', { deeper: [bad.text] }] } });
            refused(await send(method, concrete, body), 'body.nested.list[1].deeper[0]', bad.character, `${label} deep in the body`);
            refused(await send(method, concrete, JSON.stringify({ [bad.text]: 1 })), `body[${JSON.stringify(bad.text)}]`, bad.character, `${label} in a field name`);
          }
        }
      }
      // Nothing ran: the draft is as it was, and the session was never started.
      assert.deepEqual(await send('GET', '/api/campaigns?limit=100'), before);
      assert.equal((await send('GET', '/api/session/state')).json.status, 'stopped');
    });

    test('a percent-encoded lone surrogate in a URL is a 4xx', async () => {
      for (const url of ['/api/messages?cursor=%ED%A0%80', `/api/campaigns/${campaignId}%ED%A0%80`, '/api/campaigns/%ED%A0%80/recipients']) {
        const answer = await send('GET', url);
        assert.ok(answer.status >= 400 && answer.status < 500, `${url}: ${answer.status}`);
      }
    });

    test('a forged cursor (text the database can’t hold, numbers past an integer) is a 400, on every paginated route', async () => {
      const forged = [
        b64(JSON.stringify(['2026-01-01T00:00:00.000Z\u0000', 'x'])),
        b64(JSON.stringify(['\u0000', '\u0000'])),
        b64(JSON.stringify([2 ** 31])),
        b64(JSON.stringify([-(2 ** 31) - 1])),
        b64(JSON.stringify([1e300])),
        b64('2026-01-01T00:00:00.000Z|+9665\u0000'),
      ];
      for (const path of ['/api/messages', '/api/campaigns', `/api/campaigns/${campaignId}/recipients`, '/api/suppressions']) {
        for (const cursor of forged) {
          const answer = await send('GET', `${path}?cursor=${cursor}`);
          assert.ok(answer.status === 200 || answer.status === 400, `${path} with ${Buffer.from(cursor, 'base64url').toString()}: ${answer.status} ${JSON.stringify(answer.json)}`);
          if (answer.status === 200) assert.deepEqual(answer.json.items, [], path);
        }
      }
    });

    test('huge numbers are refused or used, never passed to an integer column', async () => {
      const huge = [2 ** 31, 2 ** 53 - 1, 2 ** 64, 1e308, -1e308, 5e-324];
      for (const value of huge) {
        const preview = await send('POST', `/api/campaigns/${campaignId}/preview`, JSON.stringify({ template: 'Hi', seq: value }));
        assert.ok([400, 404].includes(preview.status), `preview seq ${value}: ${preview.status} ${JSON.stringify(preview.json)}`);
        for (const field of ['minGapMs', 'maxGapMs', 'hourlyCap', 'dailyCap']) {
          const created = await send('POST', '/api/campaigns', JSON.stringify({ name: 'Huge', template: 'x', limits: { ...FAST_LIMITS, [field]: value } }));
          assert.equal(created.status, 400, `limits.${field} = ${value}: ${JSON.stringify(created.json)}`);
        }
        const page = await send('GET', `/api/messages?limit=${value}`);
        assert.equal(page.status, 400, `limit=${value}`);
      }
      // A number given as a variable is kept as the text it reads as.
      const phone = testNumber(2);
      const added = await send('POST', `/api/campaigns/${campaignId}/recipients`, JSON.stringify({ recipients: [{ phone, a: 1e308, b: 2 ** 64, c: 5e-324, d: -0 }] }));
      assert.equal(added.status, 200, JSON.stringify(added.json));
      const listed = await send('GET', `/api/campaigns/${campaignId}/recipients?limit=100`);
      const recipient = listed.json.items.find((r: { phone: string }) => r.phone === phone);
      assert.deepEqual(recipient.variables, { a: '1e+308', b: '18446744073709552000', c: '5e-324', d: '0' });
    });

    test('report days at the ends of the calendar answer at once; days that do not exist are a 400', async () => {
      for (const [from, to] of [['9999-12-01', '9999-12-31'], ['0000-01-01', '0000-01-31'], ['0001-01-01', '0001-01-02']]) {
        const answer = await send('GET', `/api/reports?from=${from}&to=${to}&timeZone=Pacific/Kiritimati`);
        assert.equal(answer.status, 200, `${from}…${to}: ${JSON.stringify(answer.json)}`);
        assert.equal(answer.json.days.at(-1).day, to);
        assert.equal(answer.json.days[0].day, from);
      }
      for (const [from, to] of [['2026-02-30', '2026-03-01'], ['2026-01-01', '2026-13-01']]) {
        const answer = await send('GET', `/api/reports?from=${from}&to=${to}`);
        assert.equal(answer.status, 400, `${from}…${to}: ${JSON.stringify(answer.json)}`);
      }
    });

    test('a JSON body nested 100,000 levels deep is answered, and the server goes on', async () => {
      const deep = (n: number, inner: string) => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;
      const cases = [
        { url: '/api/campaigns', body: `{"name":"Deep","template":"x","extra":${deep(100_000, '1')}}`, ok: [201, 400] },
        { url: '/api/campaigns', body: `{"name":${deep(100_000, '"x"')},"template":"x"}`, ok: [400] },
        { url: '/api/campaigns', body: `{"name":"Deep","template":"x","constructor":1,"extra":${deep(100_000, '1')}}`, ok: [201, 400] },
        { url: '/api/messages', body: `{"to":"${testNumber(3)}","text":${deep(100_000, '"x"')}}`, ok: [400] },
        { url: '/api/suppressions', body: `{"phone":"${testNumber(4)}","x":${deep(100_000, '"\\u0000"')}}`, ok: [400] },
      ];
      for (const { url, body, ok } of cases) {
        const answer = await send('POST', url, body);
        assert.ok(ok.includes(answer.status), `${url}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 300)}`);
      }
      const deepest = await send('POST', '/api/suppressions', `{"phone":"${testNumber(4)}","x":${deep(100_000, '"\\u0000"')}}`);
      assert.equal(deepest.json.error.code, 'invalid_characters');
      assert.ok(deepest.json.error.message.length < 500, 'the path is shortened');
      assert.equal((await send('GET', '/api/suppressions')).json.items.length, 0);
      assert.equal((await send('GET', '/api/campaigns?limit=1')).status, 200);
    });
  });
}
