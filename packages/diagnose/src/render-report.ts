/**
 * A diagnose report as people read it (`table`: one block per gateway, one line per finding, the fix
 * indented under it) or as scripts read it (`json`, `yaml`: the DiagnoseReport itself).
 */
import { stringify } from 'yaml';
import type { Finding } from './findings.js';
import { objectKey, type DiagnoseReport } from './report.js';

export type ReportFormat = 'table' | 'json' | 'yaml';

export function renderReport(report: DiagnoseReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'yaml') return stringify(report, { lineWidth: 0 });
  return renderTable(report);
}

function renderTable(report: DiagnoseReport): string {
  const lines: string[] = [];
  let gateway: string | undefined | null = null;
  for (const f of report.findings) {
    if (f.gateway !== gateway) {
      gateway = f.gateway;
      if (lines.length > 0) lines.push('');
      lines.push(gateway ? `Gateway ${gateway}` : 'Cluster-wide');
    }
    lines.push(...findingLines(f));
  }
  if (lines.length > 0) lines.push('');
  const { OK, WARN, FAIL } = report.summary;
  lines.push(`${FAIL} failed, ${WARN} warnings, ${OK} ok`);
  return `${lines.join('\n')}\n`;
}

function findingLines(f: Finding): string[] {
  const where = f.field ? `${objectKey(f)} ${f.field}` : objectKey(f);
  const out = [`  ${f.level.padEnd(4)} ${f.link.padEnd(16)} ${where}: ${f.message} [${f.code}]`];
  if (f.fix) {
    const [first, ...rest] = f.fix.trimEnd().split('\n');
    out.push(`       fix: ${first}`, ...rest.map((l) => `            ${l}`));
  }
  return out;
}
