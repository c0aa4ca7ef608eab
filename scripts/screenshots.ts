// `npm run screenshots`: the dashboard's pages at 1280×800 in English and Arabic, light and
// dark, from the real stack in-process (SQLite in a temporary directory, the WhatsApp
// emulator), into docs/screenshots/<page>-<en|ar>-<light|dark>.png. Long pages (the
// campaign editor, reports) are taken whole. Language and theme are
// changed with the UI's own switches; only the login page, which has no theme switch,
// gets the theme through the key the app's switch writes, and a reload.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { WsServerMessage } from '@wasla/protocol';
import { ADMIN, Stack } from '../apps/server/test/harness.js';
import { decodeQrDataUrl } from '../apps/server/test/qr.js';
import { browserSkipReason, launchBrowser, logIn, waitForStatus } from '../e2e/browser.js';
import { THEME_STORAGE_KEY } from '../apps/web/src/layout/theme.js';

type Lang = 'en' | 'ar';
type Theme = 'light' | 'dark';
type Look = readonly [Lang, Theme];

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const VIEWPORT = { width: 1280, height: 800 };
// One switch at a time between consecutive looks.
const LOOKS: Look[] = [['en', 'light'], ['en', 'dark'], ['ar', 'dark'], ['ar', 'light']];
/** A page to shoot: reached from the sidebar when it is there, else by its address. */
interface Shot {
  name: string;
  href: string;
  fullPage?: boolean;
}
const PAGES: Shot[] = [
  { name: 'dashboard', href: '/' },
  { name: 'messages', href: '/messages/' },
  { name: 'settings', href: '/settings/' },
];
const MESSAGES = [
  { to: '0551234567', text: 'Your order #1042 has shipped and arrives tomorrow.' },
  { to: '0509876543', text: 'مرحبًا سارة، تم تأكيد موعدك يوم الأحد الساعة ١٠ صباحًا.' },
];

/** Resolves when the page shows `look` with everything loaded, and nothing moving or pending. */
async function settle(page: Page, [lang, theme]: Look): Promise<void> {
  await page.mouse.move(VIEWPORT.width / 2, VIEWPORT.height - 1);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForFunction(
    ([lang, theme]) => {
      const root = document.documentElement;
      const link = document.getElementById('theme-link') as HTMLLinkElement | null;
      return (
        root.lang === lang &&
        root.dir === (lang === 'ar' ? 'rtl' : 'ltr') &&
        root.dataset.theme === theme &&
        !root.classList.contains('i18n-pending') &&
        link?.getAttribute('href')?.includes(`/lara-${theme}-`) === true &&
        link.sheet !== null &&
        document.getElementById('theme-link-next') === null &&
        document.querySelector('[aria-busy="true"], .p-skeleton, .p-ink-active, .p-toast-message') === null
      );
    },
    [lang, theme] as const,
    { timeout: 20_000 },
  );
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
}

/**
 * Switches language and theme the way a person would: the topbar's buttons (on the login
 * page, its language switch). Found by place and icon, the same in both languages.
 */
async function setLook(page: Page, [lang, theme]: Look, where: 'login' | 'app'): Promise<void> {
  const current = await page.evaluate(() => ({ lang: document.documentElement.lang as Lang, theme: document.documentElement.dataset.theme as Theme }));
  if (current.lang !== lang) {
    const button = page.locator(where === 'app' ? '.layout-topbar__actions .layout-topbar__text-button' : '.login__top button');
    // In the app the choice is saved to the account; wait for that, so no toast or revert follows.
    const saved = where === 'app' ? page.waitForResponse((r) => r.url().endsWith('/api/auth/me') && r.request().method() === 'PATCH') : null;
    await button.click();
    if ((await saved)?.ok() === false) throw new Error('saving the language failed');
  }
  if (current.theme !== theme) {
    if (where === 'app') {
      await page.locator(`.layout-topbar__actions button:has(.${theme === 'dark' ? 'pi-moon' : 'pi-sun'})`).click();
    } else {
      await page.evaluate(([key, value]) => window.localStorage.setItem(key, value), [THEME_STORAGE_KEY, theme] as const);
      await page.reload();
    }
  }
  await settle(page, [lang, theme]);
}

const shots: string[] = [];
async function shoot(page: Page, name: string, [lang, theme]: Look, fullPage = false): Promise<void> {
  const file = path.join(OUT, `${name}-${lang}-${theme}.png`);
  await page.screenshot({ path: file, animations: 'disabled', fullPage });
  shots.push(file);
}

async function openPage(page: Page, href: string): Promise<void> {
  const url = new URL(href, page.url());
  const link = page.locator(`.layout-sidebar a[href="${href}"]`);
  if (await link.count()) {
    if (new URL(page.url()).pathname !== href) await link.click();
  } else {
    await page.goto(url.href);
  }
  await page.waitForURL((current) => current.pathname === url.pathname && current.search === url.search);
  await waitForStatus(page, 'ready');
}

/** Charts draw after chart.js arrives: wait until each canvas has been taken over by it. */
async function chartsDrawn(page: Page): Promise<void> {
  await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLCanvasElement>('.chart canvas')).every((canvas) => canvas.style.display === 'block'), undefined, { timeout: 20_000 });
  // chart.js paints on the next animation frame.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

async function sendMessages(page: Page): Promise<void> {
  await openPage(page, '/messages/');
  for (const { to, text } of MESSAGES) {
    await page.fill('input[name="to"]', to);
    await page.fill('textarea[name="text"]', text);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('[data-message-id]', { hasText: text }).locator('[data-message-status="read"]').waitFor({ timeout: 20_000 });
  }
}

/** The audience of the screenshots' campaigns: one number not on WhatsApp, one invalid, one repeated. */
const AUDIENCE_CSV = [
  'phone,name,city',
  '0551234567,Sara,الرياض',
  '0509876543,Omar,Jeddah',
  '0561112222,هدى,الدمام',
  '0533334444,Faisal,Riyadh',
  '0544445555,Noura,Abha',
  '0555556666,Khalid,Mecca',
  '0566667777,Reem,Taif',
  '12345,Unknown,—',
  '0509876543,Omar A.,Jeddah',
].join('\n');
/** Every number of the file but Reem's (+966566667777), who is not on WhatsApp. */
const ON_WHATSAPP = ['+966551234567', '+966509876543', '+966561112222', '+966533334444', '+966544445555', '+966555556666'];

async function importAudience(stack: Stack, cookie: string, campaignId: string): Promise<void> {
  const response = await fetch(`${stack.baseUrl}/api/campaigns/${campaignId}/recipients`, {
    method: 'POST',
    headers: { cookie, origin: stack.baseUrl, 'content-type': 'text/csv' },
    body: AUDIENCE_CSV,
  });
  if (!response.ok) throw new Error(`importing the audience answered ${response.status}: ${await response.text()}`);
}

async function createCampaign(stack: Stack, cookie: string, body: Record<string, unknown>): Promise<string> {
  const created = await stack.api(cookie, 'POST', '/api/campaigns', body);
  if (created.status !== 201) throw new Error(`creating a campaign answered ${created.status}: ${JSON.stringify(created.json)}`);
  await importAudience(stack, cookie, created.json.id);
  return created.json.id as string;
}

/**
 * Campaigns for the campaign and report pages: one completed (a number not on WhatsApp,
 * an invalid one and a duplicate skipped), one held by the hourly limit, one draft.
 */
async function seedCampaigns(stack: Stack, cookie: string): Promise<{ completed: string; running: string; draft: string }> {
  const socket = await stack.socket(cookie, ['campaign_progress']);
  const progress = (id: string, check: (data: Extract<WsServerMessage, { type: 'campaign_progress' }>['data']) => boolean) =>
    socket.waitFor((message) => message.type === 'campaign_progress' && message.data.campaignId === id && check(message.data), 60_000);
  try {
    const noWaiting = { minGapMs: 0, maxGapMs: 0, quietHours: null };
    await stack.control('PUT', '/control/numbers', { onWhatsApp: ON_WHATSAPP });
    const completed = await createCampaign(stack, cookie, { name: 'عروض رمضان', template: 'مرحبًا {{name}}، عروض رمضان وصلت إلى فرعنا في {{city}}. نراك قريبًا!', limits: noWaiting });
    const startedCompleted = progress(completed, (data) => data.status === 'completed' && data.counts.read === data.counts.total - data.counts.skipped - data.counts.failed);
    await stack.api(cookie, 'POST', `/api/campaigns/${completed}/start`);
    await startedCompleted;
    await stack.control('PUT', '/control/numbers', { onWhatsApp: '*' });

    // The hourly limit counts every campaign message of the hour: 6 sent above, so 3 more.
    const running = await createCampaign(stack, cookie, { name: 'Weekly newsletter', template: 'Hi {{name}}, here is what is new in {{city}} this week.', limits: { ...noWaiting, hourlyCap: 9, dailyCap: 600 } });
    const heldBack = progress(running, (data) => data.waiting?.code === 'hourly_cap' && data.counts.read >= 3);
    await stack.api(cookie, 'POST', `/api/campaigns/${running}/start`);
    await heldBack;

    const draft = await createCampaign(stack, cookie, { name: 'Eid greetings', template: 'Eid Mubarak, {{name}}! Our {{city}} branch is open all through the holiday.' });
    return { completed, running, draft };
  } finally {
    socket.close();
  }
}

async function main(): Promise<void> {
  const skip = browserSkipReason();
  if (skip) throw new Error(`Can't take screenshots: ${skip}`);
  mkdirSync(OUT, { recursive: true });
  // libsignal (under Baileys and the emulator) prints whole Signal sessions, keys and all,
  // with console.info whenever it replaces one; none of it is this script's output.
  console.info = () => undefined;
  const stack = await Stack.start({ database: { name: 'sqlite', url: null, skip: false } });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'en-US', timezoneId: 'Asia/Riyadh' });
    const page = await context.newPage();

    await page.goto(`${stack.baseUrl}/login/`);
    for (const look of LOOKS) {
      await setLook(page, look, 'login');
      await shoot(page, 'login', look);
    }
    // Logging in applies the account's language (English); the theme stays this browser's.
    await logIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
    await waitForStatus(page, 'stopped');
    await page.getByRole('button', { name: 'Connect' }).click();
    const qr = page.locator('img.qr__image');
    await qr.waitFor({ timeout: 20_000 });
    for (const look of LOOKS) {
      await setLook(page, look, 'app');
      await qr.waitFor();
      await shoot(page, 'dashboard-qr', look);
    }

    await setLook(page, ['en', 'light'], 'app');
    await stack.control('POST', '/control/scan', { qr: decodeQrDataUrl((await qr.getAttribute('src'))!) });
    await waitForStatus(page, 'ready');
    await sendMessages(page);
    const cookie = await stack.login();
    const key = await stack.api(cookie, 'POST', '/api/api-keys', { name: 'Order system', role: 'operator' });
    const user = await stack.api(cookie, 'POST', '/api/users', { email: 'sara@wasla.test', name: 'Sara Al-Harbi', password: 'operator password 123', role: 'operator', locale: 'ar' });
    if (key.status !== 201 || user.status !== 201) throw new Error(`creating the API key / user answered ${key.status} / ${user.status}`);
    const campaigns = await seedCampaigns(stack, cookie);
    // Replies: one opts out (it lands on the opt-out list in Settings), one asks a question.
    await stack.control('POST', '/control/inbound', { from: '+966544445555', text: 'STOP' });
    await stack.control('POST', '/control/inbound', { from: '+966551234567', text: 'شكرًا! إلى متى تستمر العروض؟' });
    // A contact whose number WhatsApp keeps private (a LID only): "Number not shared yet".
    await stack.control('POST', '/control/inbound', { from: '+966553217788', text: 'Is the offer still on?', addressing: 'lid-only' });
    const pages: Shot[] = [
      ...PAGES,
      { name: 'campaigns', href: '/campaigns/' },
      { name: 'campaign', href: `/campaigns/view/?id=${campaigns.running}`, fullPage: true },
      { name: 'campaign-new', href: `/campaigns/new/?id=${campaigns.draft}`, fullPage: true },
      { name: 'reports', href: '/reports/', fullPage: true },
      { name: 'report', href: `/reports/campaign/?id=${campaigns.completed}`, fullPage: true },
    ];

    for (const look of LOOKS) {
      await setLook(page, look, 'app');
      for (const { name, href, fullPage } of pages) {
        await openPage(page, href);
        await settle(page, look);
        await chartsDrawn(page);
        await shoot(page, name, look, fullPage);
      }
    }
    await context.close();
  } finally {
    await browser.close();
    await stack.close();
  }
  const total = readdirSync(OUT).reduce((sum, file) => sum + statSync(path.join(OUT, file)).size, 0);
  for (const file of shots) process.stdout.write(`${path.relative(process.cwd(), file)}  ${Math.round(statSync(file).size / 1024)} KB\n`);
  process.stdout.write(`${shots.length} screenshots, ${(total / 1024 / 1024).toFixed(2)} MB in ${path.relative(process.cwd(), OUT)}\n`);
}

await main();
