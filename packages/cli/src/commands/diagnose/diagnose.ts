/**
 * `portico diagnose`: load a DiagnoseInput (diagnose-sources.ts), run every check, print the report,
 * optionally write the evidence bundle. Resolves to the report's exit code (0 OK, 1 warnings, 2
 * failures), at least 1 when some input was left out; usage and input errors throw (exit code 3).
 * Loaded lazily by `main`.
 */
import { ALL_CHECKS, renderReport, runChecks, type DiagnoseInput } from '@portico/diagnose';
import { errorMessage } from '../../args.js';
import type { CliIO } from '../../cli-io.js';
import type { DiagnoseArgs } from './diagnose-args.js';
import { writeBundle } from './diagnose-bundle.js';
import { loadSource, usageError, type SourceDeps } from './diagnose-sources.js';

export async function runDiagnose(args: DiagnoseArgs, io: CliIO, deps: Partial<SourceDeps> = {}): Promise<number> {
  const createdAt = (deps.now ?? (() => new Date()))();
  const source = await loadSource(args, io, { fetch: deps.fetch ?? fetch, now: () => createdAt, ...(deps.kubernetesTimeoutMs ? { kubernetesTimeoutMs: deps.kubernetesTimeoutMs } : {}) });
  if (args.gateway && !knownGateway(source.input, args.gateway)) {
    throw usageError(`no Gateway '${args.gateway}' (known: ${knownGateways(source.input).join(', ') || 'none'})`);
  }
  const report = runChecks(source.input, ALL_CHECKS, args.gateway ? { gateway: args.gateway } : {});
  io.stdout.write(renderReport(report, args.output));
  if (args.bundle) {
    try {
      await writeBundle(args.bundle, { report, evidence: source.evidence, notes: source.notes, createdAt });
    } catch (error) {
      throw usageError(`cannot write the bundle '${args.bundle}': ${errorMessage(error)}`);
    }
    io.stderr.write(`portico: evidence bundle written to ${args.bundle}\n`);
  }
  if (source.skipped > 0) {
    io.stderr.write(`portico: ${source.skipped === 1 ? 'one document' : `${source.skipped} documents`} could not be loaded and ${source.skipped === 1 ? 'was' : 'were'} left out (see above)\n`);
    return Math.max(report.exitCode, 1);
  }
  return report.exitCode;
}

/** A Gateway object, or a gateway the translation made (an IngressClass's `ingressclass/<name>`). */
function knownGateway(input: DiagnoseInput, gateway: string): boolean {
  return knownGateways(input).includes(gateway);
}

function knownGateways(input: DiagnoseInput): string[] {
  const keys = new Set(input.resources.list('Gateway').map((g) => `${g.metadata.namespace ?? 'default'}/${g.metadata.name}`));
  for (const key of input.translation.gateways.keys()) keys.add(key);
  return [...keys].sort();
}
