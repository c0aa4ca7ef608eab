import { after, before, describe, test } from '../apps/server/test/suite.js';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ClusterFixture, until } from '../apps/server/test/cluster-fixture.js';
import { ADMIN, testDatabases } from '../apps/server/test/harness.js';
import { nginxSkip, startNginx } from '../apps/server/test/nginx.js';
import type { TestNginx } from '../apps/server/test/nginx.js';
import { decodeQrDataUrl } from '../apps/server/test/qr.js';
import { redisServerSkip } from '../apps/server/test/redis-server.js';
import { browserSkipReason, launchBrowser, logIn, newContext, waitForStatus } from './browser.js';

// A person's browser with three tabs open on the dashboard, through nginx in front of three
// Wasla processes. The tabs' WebSockets land on different instances; whichever instance runs
// the session is killed (kill -9). Every tab goes back to `ready` by itself — no reload, no
// scan, never an older state after a newer one.
const postgres = (await testDatabases()).find((database) => database.name === 'postgres')!;
const skip = browserSkipReason() || redisServerSkip || nginxSkip || postgres.skip;

/** Records every session status the page shows, in order, and marks the page so a reload would show. */
async function watch(page: Page): Promise<void> {
  // A script as text: the test's own code is transpiled with helpers the page doesn't have.
  await page.evaluate(`(() => {
    window.waslaMark = 42;
    window.waslaStatuses = [];
    const record = () => {
      const status = document.querySelector('[data-session-status]')?.getAttribute('data-session-status');
      if (status && window.waslaStatuses.at(-1) !== status) window.waslaStatuses.push(status);
    };
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-session-status'] });
  })()`);
}

async function seen(page: Page): Promise<{ marked: boolean; statuses: string[] }> {
  return page.evaluate(() => {
    const w = window as unknown as { waslaMark?: number; waslaStatuses?: string[] };
    return { marked: w.waslaMark === 42, statuses: w.waslaStatuses ?? [] };
  });
}

describe('three tabs through nginx across a failover', { skip }, () => {
  let cluster: ClusterFixture;
  let nginx: TestNginx;
  let browser: Browser;

  before(async () => {
    cluster = await ClusterFixture.start({ database: postgres, leaseTtlMs: 3000 }, ['a', 'b', 'c']);
    nginx = await startNginx(cluster.live().map((server) => new URL(server.baseUrl).host));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await nginx?.close();
    await cluster?.close();
  });

  test('one truth in every tab: linked from one, ready in all; the owner killed, all three back to ready by themselves', async () => {
    const context = await newContext(browser);
    const first = await context.newPage();
    await logIn(first, nginx.url, ADMIN.email, ADMIN.password);
    await waitForStatus(first, 'stopped');
    const tabs = [first, await context.newPage(), await context.newPage()];
    for (const tab of tabs.slice(1)) {
      await tab.goto(`${nginx.url}/`);
      await waitForStatus(tab, 'stopped');
    }
    for (const tab of tabs) await watch(tab);

    // Linked from the first tab, as a person would: the QR it shows, scanned by the phone.
    await first.getByRole('button', { name: 'Connect' }).click();
    const image = first.locator('img.qr__image');
    await image.waitFor({ timeout: 20_000 });
    await cluster.control('POST', '/control/scan', { qr: decodeQrDataUrl((await image.getAttribute('src'))!) });
    for (const tab of tabs) await waitForStatus(tab, 'ready', 30_000);

    const ownerId = (await cluster.ownerOf('default', cluster.live()[0]!))!;
    const survivor = cluster.live().find((server) => server.name !== ownerId)!;
    const epochBefore = (await survivor.api(cluster.cookie, 'GET', '/api/session/state')).json.epoch as number;
    await cluster.server(ownerId).kill();
    await until('another instance runs the session, ready', 30_000, async () => {
      const state = (await survivor.api(cluster.cookie, 'GET', '/api/session/state')).json as { epoch: number; status: string };
      return state.epoch > epochBefore && state.status === 'ready';
    });
    for (const tab of tabs) await waitForStatus(tab, 'ready', 30_000);

    for (const [index, tab] of tabs.entries()) {
      const { marked, statuses } = await seen(tab);
      process.stdout.write(`# tab ${index + 1}: ${statuses.join(' → ')}\n`);
      assert.ok(marked, `tab ${index + 1} was never reloaded`);
      assert.equal(statuses.at(-1), 'ready', `tab ${index + 1} ends ready: ${statuses.join(' → ')}`);
      assert.ok(!statuses.slice(statuses.indexOf('ready')).some((status) => status === 'qr' || status === 'logged_out'), `no scan asked after linking in tab ${index + 1}: ${statuses.join(' → ')}`);
    }
    await context.close();
  });
});
