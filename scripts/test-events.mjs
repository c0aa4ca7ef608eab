// A node:test reporter for scripts/test.mjs: one JSON line per event the runner needs to
// count tests and to say which were still running when a file is stopped.
export default async function* testEvents(source) {
  for await (const event of source) {
    if (!['test:dequeue', 'test:complete', 'test:pass', 'test:fail'].includes(event.type)) continue;
    const { name, nesting, file, line, column, skip, todo, details } = event.data;
    const error = details?.error;
    yield `${JSON.stringify({
      type: event.type,
      name,
      nesting,
      file,
      at: `${line ?? ''}:${column ?? ''}`,
      suite: details?.type === 'suite',
      skip: skip !== undefined && skip !== false,
      todo: todo !== undefined && todo !== false,
      failureType: error?.failureType,
      // node:test wraps what the test threw; the first lines of its message say what failed.
      message: String(error?.cause?.message ?? error?.message ?? '')
        .split('\n')
        .map((text) => text.trim())
        .filter(Boolean)
        .slice(0, 3)
        .join(' ')
        .slice(0, 300),
    })}\n`;
  }
}
