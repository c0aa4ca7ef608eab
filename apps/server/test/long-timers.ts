// Test processes only. Baileys starts timers it never clears (a 30 s pre-key upload
// after each login, a 20 s initial-sync wait); each would keep a finished test file
// alive that long. Long timers are unref'd here: they still fire while the process has
// work, but no longer hold it open. Forcing the exit instead can cut off the file's report.
const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const timer = realSetTimeout(callback, ms, ...args);
  if ((ms ?? 0) >= 20_000) timer.unref();
  return timer;
}) as typeof globalThis.setTimeout;

export {};
