// `npm run screenshots`: the dashboard's pages at 1280×800 in English and Arabic, light and
// dark, from the real stack in-process (SQLite in a temporary directory, the WhatsApp
// emulator), into docs/screenshots/<page>-<en|ar>-<light|dark>.png. Language and theme are
// changed with the UI's own switches; only the login page, which has no theme switch,
// gets the theme through the key the app's switch writes, and a reload.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
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
const PAGES = [
  { name: 'dashboard', href: '/' },
  { name: 'messages', href: '/messages/' },
  { name: 'settings', href: '/settings/' },
] as const;
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
async function shoot(page: Page, name: string, [lang, theme]: Look): Promise<void> {
  const file = path.join(OUT, `${name}-${lang}-${theme}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  shots.push(file);
}

async function openPage(page: Page, href: string): Promise<void> {
  const link = page.locator(`.layout-sidebar a[href="${href}"]`);
  if (new URL(page.url()).pathname !== href) await link.click();
  await page.waitForURL((url) => url.pathname === href);
  await waitForStatus(page, 'ready');
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

    for (const look of LOOKS) {
      await setLook(page, look, 'app');
      for (const { name, href } of PAGES) {
        await openPage(page, href);
        await settle(page, look);
        await shoot(page, name, look);
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
