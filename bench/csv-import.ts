// A 100,000-row recipient file (phone, name, 2 variables; ~3% invalid, ~2% repeated
// numbers) streamed from disk through importRecipientsCsv into SQLite, and uploaded to the
// real server's POST /api/campaigns/:id/recipients (SQLite, one transaction), beside
// csv-parse alone reading the same file. Each run is a fresh process, so its RSS is the import's
// own: sampled every 20 ms, beside the RSS once the modules are loaded. Time: the best of
// two interleaved runs.
import { fork } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { parse } from 'csv-parse';
import { importRecipientsCsv } from '../apps/server/src/modules/campaigns/csv-import.js';
import type { CsvImportSummary, ParsedRecipient } from '../apps/server/src/modules/campaigns/csv-import.js';

const ROWS = 100_000;
const TARGET_MS = 10_000;
const TARGET_RSS_MB = 300;

export interface CsvRun {
  name: string;
  ms: number;
  /** RSS with the modules loaded, before reading the file. */
  baselineRssMb: number;
  peakRssMb: number;
}
export interface CsvImportResult {
  fileMb: number;
  parseOnly: CsvRun;
  importRun: CsvRun;
  /** The same file uploaded to the real server, which imports it into its database. */
  httpRun: CsvRun;
  /** The highest peak of the import runs (module and server). */
  maxPeakRssMb: number;
  summary: CsvImportSummary;
  stored: number;
}

const mb = (bytes: number): number => bytes / (1024 * 1024);
const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A deterministic file, so every run reads the same rows. */
function writeRecipientFile(path: string): number {
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const names = ['أحمد العتيبي', 'سارة القحطاني', 'Mohammed Ali', 'نورة الشهري', 'Omar Haddad', 'ليلى الزهراني'];
  const cities = ['الرياض', 'جدة', 'الدمام', 'Riyadh', 'Jeddah'];
  const phones: string[] = [];
  const lines = ['phone,name,city,order_id'];
  for (let i = 0; i < ROWS; i += 1) {
    const roll = random();
    let phone: string;
    if (roll < 0.03) phone = roll < 0.015 ? `05${String(i).slice(0, 5)}` : 'n/a';
    else if (roll < 0.05 && phones.length > 0) phone = phones[Math.floor(random() * phones.length)]!;
    else {
      phone = `050${String(i).padStart(7, '0')}`;
      phones.push(phone);
    }
    const name = names[i % names.length]!;
    // Every tenth name is quoted with a comma in it, as spreadsheets write them.
    lines.push(`${phone},${i % 10 === 0 ? `"${name}, Jr"` : name},${cities[i % cities.length]!},ORD-${100_000 + i}`);
  }
  const text = `${lines.join('\r\n')}\r\n`;
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

type RunKind = 'parse' | 'import' | 'http';
interface RunReport {
  run: CsvRun;
  result?: { summary: CsvImportSummary; stored: number };
}

/** Runs `work` while sampling RSS every 20 ms. */
async function measure<T>(name: string, work: () => Promise<T>): Promise<{ run: CsvRun; value: T }> {
  (globalThis as { gc?: () => void }).gc?.();
  const baselineRss = process.memoryUsage().rss;
  let peak = baselineRss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  try {
    const value = await work();
    const ms = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { run: { name, ms, baselineRssMb: mb(baselineRss), peakRssMb: mb(peak) }, value };
  } finally {
    clearInterval(sampler);
  }
}

async function parseOnly(path: string): Promise<number> {
  let records = 0;
  for await (const _record of createReadStream(path).pipe(parse({ relax_column_count: true }))) records += 1;
  if (records !== ROWS + 1) throw new Error(`csv-parse read ${records} records, expected ${ROWS + 1}`);
  return records;
}

/** The caller's shape: one transaction around the import, a prepared insert per batch. */
async function importIntoSqlite(path: string, dbPath: string): Promise<{ summary: CsvImportSummary; stored: number }> {
  const db = new SQLite(dbPath);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE recipients (
      campaign_id TEXT NOT NULL, seq INTEGER NOT NULL, phone TEXT NOT NULL, name TEXT, variables TEXT NOT NULL,
      status TEXT NOT NULL, reason TEXT, error TEXT, line INTEGER, PRIMARY KEY (campaign_id, seq))`);
    const insert = db.prepare(
      'INSERT INTO recipients (campaign_id, seq, phone, name, variables, status, reason, error, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    let seq = 0;
    const insertBatch = (rows: ParsedRecipient[]): void => {
      for (const row of rows) {
        seq += 1;
        insert.run('c1', seq, row.phone, row.name, JSON.stringify(row.variables), row.skip ? 'skipped' : 'pending', row.skip, row.error, row.line);
      }
    };
    db.exec('BEGIN');
    const summary = await importRecipientsCsv(createReadStream(path), {
      defaultCountry: 'SA',
      onBatch: async (rows) => insertBatch(rows),
    });
    db.exec('COMMIT');
    const stored = (db.prepare('SELECT count(*) AS n FROM recipients').get() as { n: number }).n;
    return { summary, stored };
  } finally {
    db.close();
  }
}

const BENCH_ADMIN = { email: 'bench@wasla.local', password: 'bench-password-123' };

/** The real server (SQLite in `dataDir`) in this process, listening on a free port. */
async function startServer(dataDir: string): Promise<{ base: string; close(): Promise<void> }> {
  // Loaded here, so only this run's process carries the server (Fastify, Baileys…).
  const [{ loadConfig }, { buildApp }, { createLogger }] = await Promise.all([
    import('../apps/server/src/config/config.js'),
    import('../apps/server/src/app.js'),
    import('../apps/server/src/logger.js'),
  ]);
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', WA_SERVER_URL: 'ws://127.0.0.1:9/ws', WA_AUTOSTART: 'false', WASLA_ADMIN_EMAIL: BENCH_ADMIN.email, WASLA_ADMIN_PASSWORD: BENCH_ADMIN.password });
  const app = await buildApp(config, { logger: createLogger('silent') });
  return { base: await app.listen(), close: () => app.close() };
}

/** Streams the file to the server's import route, as the dashboard uploads it. */
async function uploadToServer(base: string, path: string): Promise<{ summary: CsvImportSummary; stored: number }> {
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify(BENCH_ADMIN) });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const headers = { cookie, origin: base };
  const created = await fetch(`${base}/api/campaigns`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bench', template: 'Hi {{name}}' }) });
  const { id } = (await created.json()) as { id: string };
  const upload = await fetch(`${base}/api/campaigns/${id}/recipients`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'text/csv' },
    body: createReadStream(path) as unknown as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if (upload.status !== 200) throw new Error(`the upload answered ${upload.status}: ${await upload.text()}`);
  const result = (await upload.json()) as CsvImportSummary & { campaign: { counts: { total: number } } };
  return { summary: result, stored: result.campaign.counts.total };
}

function runInChild(kind: RunKind, path: string, dbPath: string): Promise<RunReport> {
  const child = fork(fileURLToPath(import.meta.url), [kind, path, dbPath], {
    execArgv: ['--conditions=source', '--import', 'tsx', '--expose-gc', ...(process.env.BENCH_CSV_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (report: RunReport) => resolve(report));
    child.once('exit', (code) => reject(new Error(`the ${kind} run exited with ${code} before reporting`)));
  });
}

export async function csvImportBench(): Promise<CsvImportResult> {
  const directory = mkdtempSync(join(tmpdir(), 'wasla-csv-bench-'));
  try {
    const path = join(directory, 'recipients.csv');
    const fileMb = mb(writeRecipientFile(path));
    const faster = (a: CsvRun | null, b: CsvRun): CsvRun => (a && a.ms <= b.ms ? a : b);
    let parseRun: CsvRun | null = null;
    let importRun: CsvRun | null = null;
    let httpRun: CsvRun | null = null;
    let result: RunReport['result'];
    let maxPeakRssMb = 0;
    for (let round = 0; round < 2; round += 1) {
      parseRun = faster(parseRun, (await runInChild('parse', path, '')).run);
      const imported = await runInChild('import', path, join(directory, `import-${round}.db`));
      importRun = faster(importRun, imported.run);
      const uploaded = await runInChild('http', path, join(directory, `server-${round}`));
      httpRun = faster(httpRun, uploaded.run);
      maxPeakRssMb = Math.max(maxPeakRssMb, imported.run.peakRssMb, uploaded.run.peakRssMb);
      if (uploaded.result?.stored !== ROWS) throw new Error(`the server stored ${uploaded.result?.stored} recipients, expected ${ROWS}`);
      result = imported.result;
    }
    return { fileMb, parseOnly: parseRun!, importRun: importRun!, httpRun: httpRun!, maxPeakRssMb, summary: result!.summary, stored: result!.stored };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [kind, path, dbPath] = process.argv.slice(2) as [RunKind, string, string];
  const report: RunReport =
    kind === 'parse'
      ? { run: (await measure('csv-parse alone (baseline)', () => parseOnly(path))).run }
      : kind === 'import'
        ? await measure('importRecipientsCsv → SQLite', () => importIntoSqlite(path, dbPath)).then(({ run, value }) => ({ run, result: value }))
        : await startServer(dbPath).then(async (server) => {
            // Measured from a listening server: the RSS before is the server's own at rest.
            const { run, value } = await measure('upload to the server (POST …/recipients, SQLite)', () => uploadToServer(server.base, path));
            await server.close();
            return { run, result: value };
          });
  process.send?.(report, () => process.exit(0));
}

export function formatCsvImport(r: CsvImportResult): string {
  const { summary: s } = r;
  const row = (run: CsvRun): string =>
    `| ${run.name} | ${fmt(run.ms, 0)} | ${fmt(ROWS / (run.ms / 1000), 0)} | ${fmt(run.baselineRssMb, 0)} | ${fmt(run.peakRssMb, 0)} | ${fmt(run.peakRssMb - run.baselineRssMb, 0)} |`;
  const met = r.importRun.ms < TARGET_MS && r.httpRun.ms < TARGET_MS && r.maxPeakRssMb < TARGET_RSS_MB;
  return [
    `CSV import: ${fmt(ROWS, 0)} rows (${fmt(r.fileMb)} MB) streamed from a file, each run in a fresh process, best of 2 interleaved runs`,
    '',
    '| run | ms | rows/s | RSS before MB | peak RSS MB | growth MB |',
    '|---|---|---|---|---|---|',
    row(r.parseOnly),
    row(r.importRun),
    row(r.httpRun),
    '',
    `Imported: ${fmt(s.rows, 0)} rows — ${fmt(s.accepted, 0)} accepted, ${fmt(s.invalid, 0)} invalid, ${fmt(s.duplicates, 0)} duplicates; ${fmt(r.stored, 0)} stored; variables ${s.variables.join(', ')}`,
    `Import at ${fmt(r.importRun.ms / r.parseOnly.ms)}× the time of csv-parse alone, through the server at ${fmt(r.httpRun.ms / r.parseOnly.ms)}×; highest import peak ${fmt(r.maxPeakRssMb, 0)} MB. Target: < ${TARGET_MS / 1000} s and < ${TARGET_RSS_MB} MB peak RSS — ${met ? 'met' : 'NOT met'}`,
    '',
  ].join('\n');
}
