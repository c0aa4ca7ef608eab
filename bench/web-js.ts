// JavaScript shipped for the first page, gzipped: every .js Chromium loaded for /login/
// (the first page anyone sees) and for / (after logging in, and opened afresh), each file
// read from apps/web/out and gzipped here with node:zlib at level 9.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { BrowserContext } from 'playwright-core';
import { ADMIN, Stack } from '../apps/server/test/harness.js';
import { browserSkipReason, launchBrowser, logIn, newContext, waitForStatus } from '../e2e/browser.js';
import { fmt } from './web-stack.js';

const OUT = fileURLToPath(new URL('../apps/web/out', import.meta.url));
const TARGET_KB = 300;

export interface Chunk {
  path: string;
  raw: number;
  gzip: number;
  /** What the chunk holds, told from names and strings only its code contains. */
  holds: string;
  framework: boolean;
  /** Named by a <script> of the page's HTML; otherwise fetched later (Next's <Link> prefetch). */
  own: boolean;
}
export interface PageJs {
  name: string;
  chunks: Chunk[];
}
export interface JsResult {
  pages: PageJs[];
  /** The Content-Encoding the server sent the .js with (none: it sends them uncompressed). */
  servedEncoding: string;
}

const FRAMEWORK_NAME = /\/chunks\/(framework|webpack|main|main-app|polyfills)-[0-9a-f]+\.js$|\/chunks\/next\//;
const MARKERS: [string, RegExp][] = [
  ['React', /react\.transitional\.element|DetermineComponentFrameRoot/],
  ['Next.js', /PageNotFoundError|NEXT_REDIRECT|__next_f/],
  ['PrimeReact', /(?<![a-z-])p-component|data-pc-section|p-overflow-hidden/],
  ['zod', /unrecognized_keys/],
  ['libphonenumber-js', /Unknown country/],
  ['Wasla', /wasla/i],
];

function classify(path: string, code: string): { holds: string; framework: boolean } {
  const found = MARKERS.filter(([, pattern]) => pattern.test(code)).map(([name]) => name);
  const framework = FRAMEWORK_NAME.test(path) || found.includes('React') || found.includes('Next.js');
  if (framework) return { holds: found.filter((n) => n === 'React' || n === 'Next.js').join(' + ') || 'Next.js runtime', framework };
  if (path.includes('/chunks/app/')) return { holds: `Wasla route ${path.replace(/^.*\/chunks\/app\//, '').replace(/-[0-9a-f]+\.js$/, '')}`, framework };
  return { holds: found.join(' + ') || 'Wasla (shared)', framework };
}

/** The script paths the exported HTML of these pages names. */
function htmlScripts(...pages: string[]): Set<string> {
  const html = pages.map((page) => readFileSync(`${OUT}${page}index.html`, 'utf8')).join('');
  return new Set([...html.matchAll(/<script[^>]* src="([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!)));
}

function measure(paths: string[], own: Set<string>): Chunk[] {
  return paths.map((path) => {
    const code = readFileSync(`${OUT}${decodeURIComponent(path)}`);
    return { path, raw: code.length, gzip: gzipSync(code, { level: 9 }).length, own: own.has(decodeURIComponent(path)), ...classify(path, code.toString('utf8')) };
  });
}

/** The .js paths the context loads while `run` goes on (and until the network is idle). */
async function jsLoaded(context: BrowserContext, run: () => Promise<void>, encodings: Set<string>): Promise<string[]> {
  const paths = new Set<string>();
  const onResponse = (response: { url(): string; headers(): Record<string, string> }): void => {
    const path = new URL(response.url()).pathname;
    if (!path.endsWith('.js')) return;
    paths.add(path);
    encodings.add(response.headers()['content-encoding'] ?? 'none');
  };
  context.on('response', onResponse);
  await run();
  context.off('response', onResponse);
  return [...paths];
}

export async function jsShippedBench(): Promise<JsResult> {
  const skip = browserSkipReason();
  if (skip) throw new Error(`The browser benchmarks can't run: ${skip}`);
  const stack = await Stack.start({ database: { name: 'sqlite', url: null, skip: false } });
  const browser = await launchBrowser();
  const encodings = new Set<string>();
  try {
    const context = await newContext(browser);
    const page = await context.newPage();
    const login = await jsLoaded(context, async () => {
      await page.goto(`${stack.baseUrl}/login/`, { waitUntil: 'networkidle' });
    }, encodings);
    const afterLogin = await jsLoaded(context, async () => {
      await logIn(page, stack.baseUrl, ADMIN.email, ADMIN.password);
      await waitForStatus(page, 'stopped');
      await page.waitForLoadState('networkidle');
    }, encodings);
    // A returning user: / opened in a fresh browser context that already holds the login cookie.
    const fresh = await newContext(browser);
    await fresh.addCookies(await context.cookies());
    const dashboard = await fresh.newPage();
    const direct = await jsLoaded(fresh, async () => {
      await dashboard.goto(`${stack.baseUrl}/`, { waitUntil: 'networkidle' });
      await waitForStatus(dashboard, 'stopped');
    }, encodings);
    return {
      pages: [
        { name: '/login/ (the first page)', chunks: measure(login, htmlScripts('/login/')) },
        { name: '/ opened directly, logged in', chunks: measure(direct, htmlScripts('/')) },
        { name: 'a first visit: /login/, then / after logging in', chunks: measure([...new Set([...login, ...afterLogin])], htmlScripts('/login/', '/')) },
      ],
      servedEncoding: [...encodings].join(', '),
    };
  } finally {
    await browser.close();
    await stack.close();
  }
}

const kb = (bytes: number): string => fmt(bytes / 1024);

export function formatJsShipped(result: JsResult): string {
  const sum = (list: Chunk[], key: 'raw' | 'gzip' = 'gzip'): number => list.reduce((total, c) => total + c[key], 0);
  const lines = [
    `JavaScript shipped, gzipped (node:zlib level 9 over each file Chromium loaded, read from apps/web/out; the server itself sent them with content-encoding: ${result.servedEncoding})`,
    '',
    `| page | files (own + prefetched) | the page's own JS (its HTML's scripts), gzip KB | of which React + Next.js runtime | then prefetched for the sidebar's other pages, gzip KB | all loaded, gzip KB (raw KB) | target: own < ${TARGET_KB} KB |`,
    '|---|---|---|---|---|---|---|',
  ];
  for (const { name, chunks } of result.pages) {
    const own = chunks.filter((c) => c.own);
    const ownGzip = sum(own);
    lines.push(
      `| ${name} | ${own.length} + ${chunks.length - own.length} | **${kb(ownGzip)}** | ${kb(sum(own.filter((c) => c.framework)))} | ${kb(sum(chunks.filter((c) => !c.own)))} | ${kb(sum(chunks))} (${kb(sum(chunks, 'raw'))}) | ${ownGzip / 1024 < TARGET_KB ? 'met' : 'NOT met'} |`,
    );
  }
  const page = result.pages[1]!;
  const biggest = page.chunks.toSorted((a, b) => b.gzip - a.gzip).slice(0, 10);
  lines.push('', `Biggest chunks of ${page.name}:`, '', '| chunk | holds | loaded | raw KB | gzip KB |', '|---|---|---|---|---|');
  for (const c of biggest) lines.push(`| ${c.path.replace('/_next/static/chunks/', '')} | ${c.holds} | ${c.own ? 'by the page' : 'prefetched'} | ${kb(c.raw)} | ${kb(c.gzip)} |`);
  lines.push(
    '',
    'Baseline: the React + Next.js runtime column, what any Next.js App Router page ships before its own code (chunks told apart by file name and by strings only React’s or Next’s code contains). The rest is Wasla, PrimeReact, zod and libphonenumber-js.',
    '',
  );
  return lines.join('\n');
}
