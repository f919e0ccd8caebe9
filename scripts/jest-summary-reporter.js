// Prints the plain closing line CI reads ("jest: N passed, N failed, N skipped"). Jest prints its own
// summary after every custom reporter has run, so the line is written when the process exits, on
// stderr like Jest's summary: it stays the last line however the two streams are merged.
//
// On this 2-core machine Jest runs every file in its own process (maxWorkers = cores - 1 = 1 runs in
// band), so a test that leaves a timer, socket or child process alive keeps Jest from exiting: CI would
// wait until its time limit. A run whose process is still alive LINGER_MS after the last test is
// failed here instead, naming what is still open.
const LINGER_MS = 15_000;

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped, numTodoTests: todo } = results;
    let leftOpen;
    process.once('exit', () => {
      const failing = failed + (leftOpen ? 1 : 0);
      process.stderr.write(`\njest: ${passed} passed, ${failing} failed, ${skipped + todo} skipped${leftOpen ? ` (${leftOpen})` : ''}\n`);
    });
    // Unref'd: it never keeps the process alive itself.
    setTimeout(() => {
      const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap');
      leftOpen = `the tests left ${open.length} handle(s) open ${LINGER_MS / 1000} s after the run: ${summarize(open)}`;
      process.stderr.write(`\njest: ${leftOpen}; run the files alone with --detectOpenHandles to find them\n`);
      process.exit(1);
    }, LINGER_MS).unref();
  }
}

function summarize(kinds) {
  const counts = new Map();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => `${kind} ×${count}`).join(', ');
}
