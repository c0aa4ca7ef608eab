// node:test's describe, test and hooks, except for skipping: a skipped describe here still
// declares its tests, and each is reported skipped with the reason. node:test never runs
// a skipped describe's body, so a suite skipped for a missing PostgreSQL or Chromium
// would count as one skipped "test" and its tests as none.
import * as nodeTest from 'node:test';
import type { HookFn as HookBody, TestFn as TestBody } from 'node:test';

type SuiteBody = () => void;
export interface SuiteOptions {
  /** Why the suite can't run here, or false to run it. */
  skip?: string | false;
}

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
  if (skipping) nodeTest.test(name, { skip: skipping }, body);
  else nodeTest.test(name, body);
}

// A skipped suite's hooks would start what its tests need: they are left out.
export function before(body: HookBody): void {
  if (!skipping) nodeTest.before(body);
}
export function after(body: HookBody): void {
  if (!skipping) nodeTest.after(body);
}
export function beforeEach(body: HookBody): void {
  if (!skipping) nodeTest.beforeEach(body);
}
export function afterEach(body: HookBody): void {
  if (!skipping) nodeTest.afterEach(body);
}
