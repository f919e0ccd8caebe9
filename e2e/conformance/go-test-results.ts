/**
 * The verdicts in `go test -v` output: one per test and subtest (`--- PASS: Name (1.2s)`), so a run can
 * be summed up per conformance test without the suite's request-by-request log.
 */
export type Verdict = 'PASS' | 'FAIL' | 'SKIP';

export interface TestResult {
  name: string;
  verdict: Verdict;
  seconds: number;
}

const VERDICT_LINE = /^\s*--- (PASS|FAIL|SKIP): (\S+) \(([\d.]+)s\)/;

export function parseVerdict(line: string): TestResult | undefined {
  const match = VERDICT_LINE.exec(line);
  if (!match) return undefined;
  return { verdict: match[1] as Verdict, name: match[2]!, seconds: Number(match[3]) };
}

/** The results of `parent`'s direct subtests (the conformance tests themselves, not their cases). */
export function directSubtests(results: TestResult[], parent: string): TestResult[] {
  const prefix = `${parent}/`;
  return results.filter((result) => result.name.startsWith(prefix) && !result.name.slice(prefix.length).includes('/'));
}

export function countVerdicts(results: TestResult[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { PASS: 0, FAIL: 0, SKIP: 0 };
  for (const result of results) counts[result.verdict]++;
  return counts;
}
