/**
 * Runs the checks and shapes their findings into a report: sorted (gateway, then the chain's order, then
 * worst first), filtered to one gateway when asked, counted, and turned into the exit code CI gates on
 * (0 all OK, 1 warnings, 2 failures). Rendering is separate (render-report.ts).
 */
import { LINKS, type Check, type DiagnoseInput, type Finding, type FindingLevel } from './findings.js';

export interface DiagnoseReport {
  /** The gateway the report was narrowed to, if any. */
  gateway?: string;
  findings: Finding[];
  summary: Record<FindingLevel, number>;
  /** 0: nothing but OK; 1: warnings; 2: failures. */
  exitCode: 0 | 1 | 2;
}

export interface DiagnoseOptions {
  /** Only findings about this gateway (`namespace/name`), plus class-wide ones of its class. */
  gateway?: string;
}

const LEVEL_ORDER: Record<FindingLevel, number> = { FAIL: 0, WARN: 1, OK: 2 };

export function runChecks(input: DiagnoseInput, checks: readonly Check[], options: DiagnoseOptions = {}): DiagnoseReport {
  let findings = checks.flatMap((check) => check(input));
  if (options.gateway) findings = findings.filter((f) => f.gateway === undefined || f.gateway === options.gateway);
  findings.sort(compareFindings);
  const summary: Record<FindingLevel, number> = { OK: 0, WARN: 0, FAIL: 0 };
  for (const f of findings) summary[f.level]++;
  const exitCode = summary.FAIL > 0 ? 2 : summary.WARN > 0 ? 1 : 0;
  return { ...(options.gateway ? { gateway: options.gateway } : {}), findings, summary, exitCode };
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.gateway ?? '', b.gateway ?? '') ||
    LINKS.indexOf(a.link) - LINKS.indexOf(b.link) ||
    LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] ||
    compareText(objectKey(a), objectKey(b)) ||
    compareText(a.field ?? '', b.field ?? '') ||
    compareText(a.code, b.code)
  );
}

export function objectKey(f: Finding): string {
  return `${f.object.kind}/${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
