import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = process.env.WASLA_CHROMIUM ?? '/usr/bin/chromium';
const WEB_BUILD = new URL('../apps/web/out/index.html', import.meta.url);

/** Why the browser suite can't run here, or false. In CI it must run. */
export function browserSkipReason(): string | false {
  const missing = !existsSync(CHROMIUM) ? `Chromium not found at ${CHROMIUM} (apt-get install chromium)` : !existsSync(WEB_BUILD) ? 'the dashboard is not built (npm run build)' : null;
  if (missing && process.env.CI) throw new Error(`The browser tests must run in CI: ${missing}`);
  return missing ?? false;
}

/** Debian's Chromium, headless, with nothing reaching the network. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-features=Translate,MediaRouter'],
  });
}

/** Logs in through the login form, as a person would. */
export async function logIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login/`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('button[type="submit"]')]);
}

/** Waits until the page shows the session status (the first element that carries it). */
export async function waitForStatus(page: Page, status: string, timeout = 20_000): Promise<void> {
  await page.locator(`[data-session-status="${status}"]`).first().waitFor({ state: 'attached', timeout });
}

export async function newContext(browser: Browser, locale: 'en' | 'ar' = 'en'): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: locale === 'ar' ? 'ar-SA' : 'en-US', viewport: { width: 1366, height: 860 } });
  return context;
}

/**
 * A browser context for a journey on a server already started; when the browser can't
 * give one, the server is closed before the error goes on, so nothing is left running.
 */
export async function newContextFor(browser: Browser, server: { close(): Promise<void> }, locale: 'en' | 'ar' = 'en'): Promise<BrowserContext> {
  return newContext(browser, locale).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
}

/** Logs in, waits for the dashboard's session status, and switches the page to Arabic (right to left). */
export async function logInInArabic(page: Page, baseUrl: string, email: string, password: string, status = 'stopped'): Promise<void> {
  await logIn(page, baseUrl, email, password);
  await waitForStatus(page, status);
  await page.getByRole('button', { name: 'Switch the language to Arabic' }).click();
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
}

/**
 * Reads again until `done` holds, or gives up after `timeoutMs` with the last value. For what
 * has no event to await, such as a request a closed page left behind (keepalive).
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
