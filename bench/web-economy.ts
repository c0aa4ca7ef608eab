// Request economy: what 5 idle dashboard tabs of one browser cost the server in 60 s with
// a healthy connection, and what 20 rounds through every page add in session requests.
import type { BrowserContext, Page, Request, Response } from 'playwright-core';
import { waitForStatus } from '../e2e/browser.js';
import { POLL_INTERVAL_MS } from '../apps/web/src/session/poller.js';
import { fmt, openTabs, startWebBench } from './web-stack.js';

const TABS = 5;
const IDLE_MS = 60_000;
const ROUNDS = 20;
const PAGES = [
  { link: 'Messages', path: '/messages/' },
  { link: 'Settings', path: '/settings/' },
  { link: 'Dashboard', path: '/' },
] as const;

interface Seen {
  path: string;
  at: number;
  status: number | null;
}

export interface Span {
  ms: number;
  /** WebSockets the tabs opened during the window (Playwright), and open at the server at its end. */
  socketsOpened: number;
  socketsAtServer: number;
  stateRequests: number;
  state304: number;
  /** Other /api requests, by path. */
  other: Record<string, number>;
}
export interface EconomyResult {
  idle: Span;
  navigation: Span & { rounds: number; tabRole: string; allowedPolls: number };
  visibility: string[];
}

const isState = (path: string): boolean => path.endsWith('/session/state');

/** Every /api request of the context, with its answer's status once it comes. */
function recordRequests(context: BrowserContext): Seen[] {
  const seen: Seen[] = [];
  const byRequest = new Map<Request, Seen>();
  context.on('request', (request: Request) => {
    const path = new URL(request.url()).pathname;
    if (!path.startsWith('/api/')) return;
    const entry: Seen = { path, at: Date.now(), status: null };
    seen.push(entry);
    byRequest.set(request, entry);
  });
  context.on('response', (response: Response) => {
    const entry = byRequest.get(response.request());
    if (entry) entry.status = response.status();
  });
  return seen;
}

/** Resolves once the page has its heading and nothing shows a loading state. */
async function settled(page: Page, path: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === path);
  await waitForStatus(page, 'ready');
  await page.waitForFunction(() => document.querySelector('h1.page__title') !== null && document.querySelector('[aria-busy="true"], .p-skeleton') === null);
}

function summarise(seen: Seen[], from: number, ms: number, socketsOpened: number, socketsAtServer: number): Span {
  const part = seen.slice(from);
  const other: Record<string, number> = {};
  for (const s of part) if (!isState(s.path)) other[s.path] = (other[s.path] ?? 0) + 1;
  const state = part.filter((s) => isState(s.path));
  return { ms, socketsOpened, socketsAtServer, stateRequests: state.length, state304: state.filter((s) => s.status === 304).length, other };
}

export async function economyBench(): Promise<EconomyResult> {
  const bench = await startWebBench({ linkPhone: true });
  try {
    const { stack, context } = bench;
    const seen = recordRequests(context);
    const tabs = [bench.first, ...(await openTabs(bench, TABS - 1, '/', 'ready'))];
    await Promise.all(tabs.map((page) => page.locator('[data-connection-health="live"]').first().waitFor()));
    await Promise.all(tabs.map((page) => settled(page, '/')));
    const socketsNow = (): number => [...bench.socketsOpened.values()].reduce((a, b) => a + b, 0);

    // The window is a duration by definition: 60 s of five idle tabs.
    const idleFrom = seen.length;
    const idleSockets = socketsNow();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idle = summarise(seen, idleFrom, IDLE_MS, socketsNow() - idleSockets, stack.app.ws.size);

    // The person clicking looks at this tab: in front, as Chromium schedules a tab being used.
    const page = bench.first;
    await page.bringToFront();
    const navFrom = seen.length;
    const navSockets = socketsNow();
    const started = Date.now();
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const { link, path } of PAGES) {
        await page.locator('.layout-sidebar').getByRole('link', { name: link }).click();
        await settled(page, path);
      }
    }
    const ms = Date.now() - started;
    const navigation = {
      ...summarise(seen, navFrom, ms, socketsNow() - navSockets, stack.app.ws.size),
      rounds: ROUNDS,
      tabRole: (bench.socketsOpened.get(page) ?? 0) > 0 ? 'the leader' : 'a follower',
      // The leader's backup poll may tick once per interval started in the window.
      allowedPolls: Math.ceil(ms / POLL_INTERVAL_MS),
    };
    const visibility = await Promise.all(tabs.map((tab) => tab.evaluate(() => document.visibilityState)));
    if (context.pages().length !== TABS) throw new Error(`${context.pages().length} tabs open, expected ${TABS}`);
    return { idle, navigation, visibility };
  } finally {
    await bench.close();
  }
}

const others = (w: Span): string => Object.entries(w.other).map(([path, n]) => `${path} ×${n}`).join(', ') || 'none';

export function formatEconomy(r: EconomyResult): string {
  const { idle, navigation: nav } = r;
  const naivePolls = TABS * (IDLE_MS / POLL_INTERVAL_MS);
  const extra = Math.max(0, nav.stateRequests - nav.allowedPolls);
  const pct = (a: number, b: number): string => (b === 0 ? '—' : `${fmt((a / b) * 100, 0)}%`);
  return [
    `Request economy: ${TABS} dashboard tabs of one browser, phone linked, connection live, idle ${IDLE_MS / 1000} s (tabs: ${r.visibility.join(', ')})`,
    '',
    '| | Wasla (measured) | naive design (computed: a socket per tab, each polling every 10 s) |',
    '|---|---|---|',
    `| WebSockets open at the server | ${idle.socketsAtServer} | ${TABS} |`,
    `| WebSockets opened during the window | ${idle.socketsOpened} | 0 |`,
    `| GET /api/session/state | ${idle.stateRequests} | ${naivePolls} |`,
    `| … answered 304 | ${idle.state304} (${pct(idle.state304, idle.stateRequests)}) | — |`,
    `| other API requests | ${others(idle)} | — |`,
    '',
    `Navigation: ${nav.rounds} rounds through Messages → Settings → Dashboard by the sidebar in tab 1 (${nav.tabRole}, brought to front), ${fmt(nav.ms / 1000)} s, each page awaited until nothing is loading`,
    '',
    '| | measured | expected |',
    '|---|---|---|',
    `| GET /api/session/state | ${nav.stateRequests} (${nav.state304} × 304) | ≤ ${nav.allowedPolls} backup polls (one per ${POLL_INTERVAL_MS / 1000} s) |`,
    `| extra session-state requests | ${extra} | 0 |`,
    `| WebSockets opened | ${nav.socketsOpened} | 0 |`,
    `| page data (not session state) | ${others(nav)} | — |`,
    '',
    `Target: 0 extra session-state requests while navigating — ${extra === 0 ? 'met' : 'NOT met'}; one WebSocket for ${TABS} tabs — ${idle.socketsAtServer === 1 ? 'met' : 'NOT met'}`,
    '',
  ].join('\n');
}
