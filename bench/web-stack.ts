// Shared by the browser benchmarks: the real stack in-process (SQLite, emulator), Debian's
// Chromium, the admin logged in through the form and the phone linked by the page's QR.
import { performance } from 'node:perf_hooks';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN, Stack } from '../apps/server/test/harness.js';
import { decodeQrDataUrl } from '../apps/server/test/qr.js';
import { browserSkipReason, launchBrowser, logIn, newContext, waitForStatus } from '../e2e/browser.js';

/** Wall-clock ms with sub-ms resolution; Chromium's `timeOrigin + now()` reads the same clock. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

export interface WebBench {
  stack: Stack;
  browser: Browser;
  context: BrowserContext;
  /** The tab that logged in (and linked the phone when asked to). */
  first: Page;
  /** An admin login cookie for API calls made outside the browser. */
  cookie: string;
  /** WebSockets each tab has opened so far (Playwright's view, not the page's). */
  socketsOpened: Map<Page, number>;
  close(): Promise<void>;
}

/** Starts the stack and a browser, and logs the admin in through the form in one tab. */
export async function startWebBench(options: { linkPhone: boolean; initScript?: string }): Promise<WebBench> {
  const skip = browserSkipReason();
  if (skip) throw new Error(`The browser benchmarks can't run: ${skip}`);
  const stack = await Stack.start({ database: { name: 'sqlite', url: null, skip: false } });
  const browser = await launchBrowser();
  const context = await newContext(browser);
  const close = async (): Promise<void> => {
    await context.close();
    await browser.close();
    await stack.close();
  };
  const socketsOpened = new Map<Page, number>();
  context.on('page', (page) => page.on('websocket', () => socketsOpened.set(page, (socketsOpened.get(page) ?? 0) + 1)));
  try {
    if (options.initScript) await context.addInitScript(options.initScript);
    const first = await context.newPage();
    await logIn(first, stack.baseUrl, ADMIN.email, ADMIN.password);
    await waitForStatus(first, 'stopped');
    if (options.linkPhone) await linkFromPage(stack, first);
    return { stack, browser, context, first, cookie: await stack.login(), socketsOpened, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Connect, read the QR off the page and scan it with the emulated phone, as a camera would. */
export async function linkFromPage(stack: Stack, page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Connect' }).click();
  const image = page.locator('img.qr__image');
  await image.waitFor({ timeout: 20_000 });
  const dataUrl = await image.getAttribute('src');
  if (!dataUrl?.startsWith('data:image/png;base64,')) throw new Error('the page shows no QR image');
  await stack.control('POST', '/control/scan', { qr: decodeQrDataUrl(dataUrl) });
  await waitForStatus(page, 'ready');
}

/** Opens more tabs of the same browser context on `path`, each showing `status`. */
export async function openTabs(bench: WebBench, count: number, path: string, status: string): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i += 1) {
    const page = await bench.context.newPage();
    await page.goto(`${bench.stack.baseUrl}${path}`);
    await waitForStatus(page, status);
    pages.push(page);
  }
  return pages;
}

export const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
