import { after, before, describe, test } from '../apps/server/test/suite.js';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN, Stack, testDatabases } from '../apps/server/test/harness.js';
import { decodeQrDataUrl } from '../apps/server/test/qr.js';
import { browserSkipReason, launchBrowser, logIn, logInInArabic, newContext, newContextFor, waitForStatus } from './browser.js';

const skip = browserSkipReason();
const [sqlite] = await testDatabases();

/** Links the emulated phone by reading the QR the page shows, as a phone's camera would. */
async function linkFromPage(stack: Stack, page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Connect' }).click();
  const image = page.locator('img.qr__image');
  await image.waitFor({ timeout: 20_000 });
  const dataUrl = await image.getAttribute('src');
  assert.ok(dataUrl?.startsWith('data:image/png;base64,'));
  await stack.control('POST', '/control/scan', { qr: decodeQrDataUrl(dataUrl!) });
  await waitForStatus(page, 'ready');
}

/** Marks the page so a test can tell it was never reloaded. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { waslaMark: number }).waslaMark = 42));
}
async function notReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { waslaMark?: number }).waslaMark === 42);
}

/** Text without the invisible marks that isolate a placeholder's direction. */
function plain(text: string): string {
  return text.replace(/[\u2066-\u2069]/g, '');
}

/** The distinct `data-session-known` values of every element that shows the session status. */
async function knownMarks(page: Page): Promise<string[]> {
  const marks = await page.locator('[data-session-status]').evaluateAll((elements) => elements.map((element) => element.getAttribute('data-session-known') ?? 'missing'));
  return [...new Set(marks)];
}

/** Resolves when `check` holds, re-checking on each WebSocket connect/close the server sees. */
async function until(check: () => boolean, page: Page, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await page.waitForTimeout(50);
  }
}

describe('the dashboard in Chromium', { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(() => browser?.close());

  describe('one session truth across tabs', () => {
    let stack: Stack;
    let context: BrowserContext;
    let dashboard: Page;
    let messages: Page;
    const stateRequests: string[] = [];
    const openSockets = new Map<Page, number>();
    const watchSockets = (page: Page): void => {
      page.on('websocket', (socket) => {
        openSockets.set(page, (openSockets.get(page) ?? 0) + 1);
        socket.on('close', () => openSockets.set(page, (openSockets.get(page) ?? 1) - 1));
      });
    };

    before(async () => {
      stack = await Stack.start({ database: sqlite! });
      context = await newContext(browser);
      context.on('request', (request) => {
        if (new URL(request.url()).pathname.includes('/session/state')) stateRequests.push(request.url());
      });
      dashboard = await context.newPage();
      watchSockets(dashboard);
      await logIn(dashboard, stack.baseUrl, ADMIN.email, ADMIN.password);
      await waitForStatus(dashboard, 'stopped');
    });
    after(async () => {
      try {
        await context?.close();
      } finally {
        await stack?.close();
      }
    });

    test('link the phone by scanning the QR the page shows; Dashboard and Messages in two tabs show ready and the number', async () => {
      await linkFromPage(stack, dashboard);
      messages = await context.newPage();
      watchSockets(messages);
      await messages.goto(`${stack.baseUrl}/messages/`);
      await waitForStatus(messages, 'ready');
      for (const page of [dashboard, messages]) {
        await page.locator('[data-linked-number="+966501234567"]').first().waitFor();
        assert.match((await page.locator('[data-linked-number]').first().innerText()).replace(/\s/g, ''), /\+966501234567/);
      }
      await mark(dashboard);
      await mark(messages);
    });

    test('one WebSocket for the whole browser, even with three tabs', async () => {
      const third = await context.newPage();
      await third.goto(`${stack.baseUrl}/settings/`);
      await waitForStatus(third, 'ready');
      assert.equal(stack.app.ws.size, 1, 'exactly one WebSocket reaches the server');
      await third.close();
    });

    test('no request for session state from anything but the provider while pages are used', async () => {
      const before = stateRequests.length;
      const started = Date.now();
      for (let round = 0; round < 3; round += 1) {
        for (const link of ['Messages', 'Settings', 'Dashboard']) {
          await dashboard.getByRole('link', { name: link }).first().click();
          await waitForStatus(dashboard, 'ready');
        }
      }
      const polls = Math.ceil((Date.now() - started) / 10_000) + 1;
      assert.ok(stateRequests.length - before <= polls, `${stateRequests.length - before} state requests while navigating (at most the ${polls} backup polls)`);
    });

    test('phone logout → both tabs show logged_out, then a QR after Connect, without a reload', async () => {
      await stack.control('POST', '/control/logout');
      await Promise.all([waitForStatus(dashboard, 'logged_out'), waitForStatus(messages, 'logged_out')]);
      await dashboard.bringToFront();
      await dashboard.getByRole('button', { name: 'Connect' }).click();
      await Promise.all([waitForStatus(dashboard, 'qr'), waitForStatus(messages, 'qr')]);
      assert.ok((await notReloaded(dashboard)) && (await notReloaded(messages)), 'no page was reloaded');
      const dataUrl = await dashboard.locator('img.qr__image').getAttribute('src');
      await stack.control('POST', '/control/scan', { qr: decodeQrDataUrl(dataUrl!) });
      await Promise.all([waitForStatus(dashboard, 'ready'), waitForStatus(messages, 'ready')]);
    });

    test('send a message from the Messages page → its ticks reach read', async () => {
      await messages.bringToFront();
      await messages.fill('input[name="to"]', '0551234567');
      await messages.fill('textarea[name="text"]', 'Hello from the browser test');
      await messages.getByRole('button', { name: 'Send' }).click();
      const row = messages.locator('[data-message-id]', { hasText: 'Hello from the browser test' }).first();
      await row.locator('[data-message-status="read"]').waitFor({ timeout: 20_000 });
      const received = (await stack.control('GET', '/control/messages')) as { messages: { text: string }[] };
      assert.ok(received.messages.some((m) => m.text === 'Hello from the browser test'));
    });

    test('a sender WhatsApp names only by its LID: the row says its number is not shared, then shows the number the moment WhatsApp tells it', async () => {
      await messages.bringToFront();
      const hidden = '+966551230077';
      const sent = (await stack.control('POST', '/control/inbound', { from: hidden, text: 'Hello from a hidden number', addressing: 'lid-only' })) as { id: string; lid: string };
      const row = messages.locator(`[data-message-id="${sent.id}"]`);
      await row.locator(`[data-peer-lid="${sent.lid}"]`).waitFor();
      assert.equal(plain(await row.locator('[data-peer-lid]').innerText()).trim(), 'Number not shared yet');
      assert.doesNotMatch(await row.innerText(), /@lid/, 'no LID as if it were a number');
      await stack.control('POST', '/control/lid-mapping', { phone: hidden });
      await row.locator('.phone-number', { hasText: '+966 55 123 0077' }).waitFor();
      assert.equal(await row.locator('[data-peer-lid]').count(), 0);
      assert.ok(await notReloaded(messages), 'no reload');
    });

    test('server killed and restarted → both tabs say the status is not known (last known, since when), then ready again, without a reload', async () => {
      await stack.stopServer();
      await Promise.all([
        dashboard.locator('[data-connection-health="reconnecting"]').first().waitFor({ timeout: 15_000 }),
        messages.locator('[data-connection-health="reconnecting"]').first().waitFor({ timeout: 15_000 }),
      ]);
      for (const page of [dashboard, messages]) {
        await page.locator('.session-known-notice[data-session-known="false"]').waitFor({ timeout: 15_000 });
        assert.deepEqual(await knownMarks(page), ['false'], 'every element with the status says it is not known');
        const badge = plain(await page.locator('.layout-topbar [data-session-status]').innerText());
        assert.doesNotMatch(badge, /^Connected$/, 'the top bar no longer claims "Connected"');
        assert.match(badge, /Not known \(last: Connected\)/);
        const notice = plain(await page.locator('.session-known-notice').innerText());
        assert.match(notice, /status is not known/);
        assert.match(notice, /can't be reached since \d{1,2}:\d{2}:\d{2}/, 'since when, to the second');
        assert.match(notice, /Last known: Connected \(since /);
      }
      const lead = plain(await dashboard.locator('.session-card__lead').innerText());
      assert.doesNotMatch(lead, /ready to send/, 'the session card no longer says it is linked and ready');
      assert.match(lead, /Not known right now: Wasla can't be reached\. Last known: Connected\./);
      stack = await stack.restart({}, { samePort: true });
      await Promise.all([waitForStatus(dashboard, 'ready', 40_000), waitForStatus(messages, 'ready', 40_000)]);
      await dashboard.locator('[data-connection-health="live"]').first().waitFor({ timeout: 40_000 });
      for (const page of [dashboard, messages]) {
        await page.locator('.session-known-notice[data-session-known="true"]', { hasText: 'Wasla answers again' }).waitFor({ timeout: 40_000 });
        assert.deepEqual(await knownMarks(page), ['true'], 'the status is known again everywhere');
        assert.equal(await page.locator('.layout-topbar [data-session-status]').innerText(), 'Connected');
      }
      assert.equal(plain(await dashboard.locator('.session-card__lead').innerText()), 'Linked and ready to send.');
      assert.ok((await notReloaded(dashboard)) && (await notReloaded(messages)), 'no page was reloaded');
    });

    test('closing the leading tab → another tab takes over the one WebSocket', async () => {
      const extra = await context.newPage();
      watchSockets(extra);
      await extra.goto(`${stack.baseUrl}/`);
      await waitForStatus(extra, 'ready');
      const pages = [dashboard, messages, extra];
      const leader = pages.find((page) => (openSockets.get(page) ?? 0) > 0);
      assert.ok(leader, 'one tab holds the WebSocket');
      assert.equal(pages.filter((page) => (openSockets.get(page) ?? 0) > 0).length, 1, 'and only one');
      const followers = pages.filter((page) => page !== leader);
      const takeover = Promise.race(followers.map((page) => page.waitForEvent('websocket', { timeout: 20_000 }).then(() => page)));
      await leader.close();
      const newLeader = await takeover;
      await until(() => stack.app.ws.size === 1, newLeader, 20_000);
      // Both remaining tabs still follow: a change reaches them through the new leader.
      await stack.control('POST', '/control/logout');
      await Promise.all(followers.map((page) => waitForStatus(page, 'logged_out')));
      assert.equal(followers.filter((page) => (openSockets.get(page) ?? 0) > 0).length, 1, 'still exactly one socket');
    });
  });

  test('unlinking from the dashboard (Log out → Unlink): the card and the timeline say Wasla logged out, not the phone', async () => {
    const stack = await Stack.start({ database: sqlite! });
    const context = await newContextFor(browser, stack);
    try {
      const page = await context.newPage();
      await logIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      await waitForStatus(page, 'stopped');
      await linkFromPage(stack, page);
      await page.locator('.session-actions').getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('button', { name: 'Unlink' }).click();
      await waitForStatus(page, 'logged_out');
      const newest = page.locator('.timeline__item').first();
      await newest.locator('.timeline__reason').waitFor({ timeout: 15_000 });
      await page.waitForFunction(() => document.querySelector('.timeline__item .timeline__head span')?.textContent?.includes('Logged out'));
      const entry = plain(await newest.innerText());
      assert.match(entry, /Someone logged out from Wasla/);
      assert.doesNotMatch(entry, /phone unlinked/i);
      assert.match(await newest.locator('time').innerText(), /\d{1,2}:\d{2}:\d{2}/, 'the timeline shows the second');
      assert.match(await page.locator('.session-details__reason').innerText(), /Someone logged out from Wasla/);
    } finally {
      await context.close().finally(() => stack.close());
    }
  });

  test('Arabic, WhatsApp answers 463: the restriction shows on Messages and the session card, refuses single sends, survives a restart, and ends when lifted', async () => {
    let stack = await Stack.start({ database: sqlite! });
    const context = await newContextFor(browser, stack, 'ar');
    try {
      const page = await context.newPage();
      await logIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      await waitForStatus(page, 'stopped');
      await linkFromPage(stack, page);
      await page.getByRole('button', { name: 'Switch the language to Arabic' }).click();
      await page.waitForFunction(() => document.documentElement.dir === 'rtl');
      await stack.control('PUT', '/control/config', { ackError: 463 });

      await page.goto(`${stack.baseUrl}/messages/`);
      await waitForStatus(page, 'ready');
      const send = page.locator('form button[type="submit"]');
      await page.fill('input[name="to"]', '0551234567');
      await page.fill('textarea[name="text"]', 'رسالة يرفضها واتساب');
      await send.click();
      const notice = page.locator('[data-session-restriction="463"]');
      await notice.waitFor({ timeout: 20_000 });
      const words = plain(await notice.innerText());
      assert.match(words, /قيّد واتساب هذا الرقم/);
      assert.doesNotMatch(words, /[A-Za-z]{3,}/, 'no English inside the Arabic interface');
      await page.fill('textarea[name="text"]', 'رسالة ثانية');
      assert.equal(await send.isDisabled(), true, 'a single send is refused too');
      assert.match(plain(await page.locator('.compose .notice').innerText()), /قيّد واتساب هذا الرقم/);

      // Stored: a restart keeps it, and the session card says so.
      await stack.control('PUT', '/control/config', { ackError: null });
      stack = await stack.restart({}, { samePort: true });
      await page.goto(`${stack.baseUrl}/`);
      await waitForStatus(page, 'ready', 40_000);
      const onCard = page.locator('.session-card [data-session-restriction="463"]');
      await onCard.waitFor();
      await onCard.getByRole('button', { name: 'رفع التقييد' }).click();
      await page.locator('.p-confirm-dialog-accept').click();
      await onCard.waitFor({ state: 'detached' });
      await page.goto(`${stack.baseUrl}/messages/`);
      await waitForStatus(page, 'ready');
      await page.fill('input[name="to"]', '0551234567');
      await page.fill('textarea[name="text"]', 'بعد رفع التقييد');
      await send.click();
      await page.locator('[data-message-id]', { hasText: 'بعد رفع التقييد' }).first().locator('[data-message-status="read"]').waitFor({ timeout: 20_000 });
    } finally {
      await context.close().finally(() => stack.close());
    }
  });

  test('Settings: a user and an API key created through the dialogs; a refused one says why in words', async () => {
    const stack = await Stack.start({ database: sqlite! });
    const context = await newContextFor(browser, stack);
    try {
      const page = await context.newPage();
      await logIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      await page.getByRole('link', { name: 'Settings' }).first().click();

      const addUser = async (email: string) => {
        await page.getByRole('button', { name: 'Add user' }).click();
        await page.fill('input[name="name"]', 'Sara Al-Harbi');
        await page.fill('input[name="email"]', email);
        await page.fill('input[name="password"]', 'operator password 123');
        await page.getByRole('button', { name: 'Create user' }).click();
      };
      await addUser('sara@wasla.test');
      await page.getByRole('cell', { name: 'sara@wasla.test' }).waitFor();
      // The same email again: the dialog stays open and shows the server's reason.
      await addUser('sara@wasla.test');
      await page.locator('.p-dialog [role="alert"], .p-dialog .form-error').first().waitFor();
      assert.match(await page.locator('.p-dialog').innerText(), /already|exists/i);
      await page.getByRole('button', { name: 'Cancel' }).click();

      await page.getByRole('button', { name: 'Create API key' }).click();
      await page.fill('input[name="name"]', 'Order system');
      await page.getByRole('button', { name: 'Create key' }).click();
      const key = await page.locator('code.secret__value').innerText();
      assert.match(key, /^wsk_/);
      const works = await fetch(`${stack.baseUrl}/api/session/state`, { headers: { 'x-api-key': key } });
      assert.equal(works.status, 200, 'the key shown once is a working key');
    } finally {
      await context.close().finally(() => stack.close());
    }
  });

  test('Arabic: the layout is right to left', async () => {
    const stack = await Stack.start({ database: sqlite! });
    const context = await newContextFor(browser, stack, 'ar');
    try {
      const page = await context.newPage();
      await logInInArabic(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'ar');
      const sidebar = await page.locator('.layout-sidebar').boundingBox();
      const viewport = page.viewportSize()!;
      assert.ok(sidebar && sidebar.x > viewport.width / 2, 'the menu is on the right');
      assert.ok((await page.locator('body').innerText()).includes('لوحة التحكم'), 'the menu is in Arabic');
      // Remembered: a reload stays Arabic.
      await page.reload();
      await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    } finally {
      await context.close().finally(() => stack.close());
    }
  });
});
