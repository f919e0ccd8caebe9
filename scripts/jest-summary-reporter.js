// Prints the plain closing line CI reads ("jest: N passed, N failed, N skipped"). Jest prints its own
// summary after every custom reporter has run, so the line is written when the process exits, on
// stderr like Jest's summary: it stays the last line however the two streams are merged.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped, numTodoTests: todo } = results;
    process.once('exit', () => process.stderr.write(`\njest: ${passed} passed, ${failed} failed, ${skipped + todo} skipped\n`));
  }
}
