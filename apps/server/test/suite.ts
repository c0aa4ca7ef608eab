// node:test's describe, test and hooks for the integration and browser suites, with two
// differences. A skipped describe still declares its tests, and each is reported skipped
// with the reason: node:test never runs a skipped describe's body, so a suite skipped for
// a missing PostgreSQL or Chromium would count as one skipped "test" and its tests as none.
// And every test and hook has a time limit.
import * as nodeTest from 'node:test';
import type { HookFn as HookBody, TestFn as TestBody } from 'node:test';

type SuiteBody = () => void;
export interface SuiteOptions {
  /** Why the suite can't run here, or false to run it. */
  skip?: string | false;
}

/**
 * Each test and hook fails after this long, so a stuck one says which it was and the file
 * goes on (scripts/test.mjs sets it; it also limits each file as a whole).
 */
const TIMEOUT_MS = Number(process.env.WASLA_TEST_TIMEOUT_S ?? 180) * 1000;

/** Set while a skipped suite's body declares its tests. */
let skipping: string | false = false;

export function describe(name: string, options: SuiteOptions, body: SuiteBody): void;
export function describe(name: string, body: SuiteBody): void;
export function describe(name: string, optionsOrBody: SuiteOptions | SuiteBody, maybeBody?: SuiteBody): void {
  const [options, body] = typeof optionsOrBody === 'function' ? [{}, optionsOrBody] : [optionsOrBody, maybeBody!];
  nodeTest.describe(name, () => {
    const outer = skipping;
    skipping = outer || (options.skip ?? false);
    try {
      body();
    } finally {
      skipping = outer;
    }
  });
}

export function test(name: string, body: TestBody): void {
  nodeTest.test(name, skipping ? { skip: skipping } : { timeout: TIMEOUT_MS }, body);
}

// A skipped suite's hooks would start what its tests need: they are left out.
export function before(body: HookBody): void {
  if (!skipping) nodeTest.before(body, { timeout: TIMEOUT_MS });
}
export function after(body: HookBody): void {
  if (!skipping) nodeTest.after(body, { timeout: TIMEOUT_MS });
}
export function beforeEach(body: HookBody): void {
  if (!skipping) nodeTest.beforeEach(body, { timeout: TIMEOUT_MS });
}
export function afterEach(body: HookBody): void {
  if (!skipping) nodeTest.afterEach(body, { timeout: TIMEOUT_MS });
}
