/**
 * The Ingress suite's report (conformance/reports/ingress/portico-report.yaml): one entry per upstream
 * scenario with its result and, when it failed, the reason; a summary; and a header that says what
 * produced it, since it is not upstream's binary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import type { IngressScenario } from './scenario-types.js';

export interface ScenarioResult {
  scenario: IngressScenario;
  result: 'passed' | 'failed';
  reason?: string;
  seconds: number;
}

export interface ReportContext {
  /** ISO time the run started. */
  date: string;
  porticoVersion: string;
  ingressClass: string;
  seconds: number;
}

export const REPORT_HEADER = [
  '# Ingress conformance: the scenarios of kubernetes-sigs/ingress-controller-conformance (features/*.feature)',
  '# run against Portico installed with its Helm chart in the e2e cluster (e2e/cluster), by our own runner',
  '# (e2e/conformance/ingress-suite.ts, `npm run conformance -- --suite ingress`), not by upstream\'s binary:',
  '# upstream\'s Go module is not served by the Go module proxy this project builds from, so it cannot be',
  '# built here. Each upstream scenario is reproduced one to one (its Background, request and assertions;',
  '# names kept, `detail` is the line or Examples row that tells same-named scenarios apart). Backends are',
  '# echo-basic (the Gateway API suite\'s echo server, which reports the same fields as upstream\'s).',
  '# Requests are retried until three in a row pass (or a deadline), where upstream sleeps a fixed time.',
  '',
].join('\n');

export interface SummaryCounts {
  passed: number;
  failed: number;
  total: number;
}

export function summarize(results: readonly ScenarioResult[]): SummaryCounts {
  const passed = results.filter((r) => r.result === 'passed').length;
  return { passed, failed: results.length - passed, total: results.length };
}

export function summaryLine(results: readonly ScenarioResult[], seconds: number): string {
  const { passed, failed, total } = summarize(results);
  return `Ingress suite: ${passed} passed, ${failed} failed of ${total} scenarios in ${seconds} s`;
}

export function renderReport(results: readonly ScenarioResult[], context: ReportContext): string {
  const body = {
    kind: 'IngressConformanceReport',
    date: context.date,
    implementation: { project: 'portico', version: context.porticoVersion, ingressClassName: context.ingressClass },
    suite: {
      upstream: 'https://github.com/kubernetes-sigs/ingress-controller-conformance',
      features: [...new Set(results.map((r) => r.scenario.featureFile))],
    },
    summary: { ...summarize(results), seconds: context.seconds },
    scenarios: results.map(({ scenario, result, reason, seconds }) => ({
      feature: scenario.feature,
      scenario: scenario.name,
      ...(scenario.detail ? { detail: scenario.detail } : {}),
      result,
      ...(reason ? { reason } : {}),
      seconds,
    })),
  };
  return `${REPORT_HEADER}${stringify(body, { lineWidth: 0 })}`;
}

export function writeReport(path: string, results: readonly ScenarioResult[], context: ReportContext): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderReport(results, context));
}
