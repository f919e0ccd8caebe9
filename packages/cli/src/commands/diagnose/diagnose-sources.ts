/**
 * Where `portico diagnose` gets its DiagnoseInput: files translated here (`-f`, `--resources`), the
 * cluster's objects listed once and translated here (`--kubernetes`), or a running server's own
 * views (`--admin`, diagnose-admin-input.ts). Each source also hands back the evidence the bundle
 * stores, already redacted, and what it could not provide.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { offlineInput, type DiagnoseInput } from '@portico/diagnose';
import { dumpIR } from '@portico/ir';
import { createKubernetesProvider } from '@portico/provider/kubernetes';
import { loadResources, type KubeObject, type Resource, type ResourceLoadError } from '@portico/resources';
import { applyStatuses, DEFAULT_CONTROLLER_NAME } from '@portico/translator';
import { CliError, errorMessage } from '../../args.js';
import type { CliIO } from '../../cli-io.js';
import { adminInput } from './diagnose-admin-input.js';
import { DIAGNOSE_USAGE_EXIT_CODE, type DiagnoseArgs } from './diagnose-args.js';
import type { Fetch } from '../translate/dump.js';

export interface LoadedSource {
  input: DiagnoseInput;
  /** Bundle file name → its document, secret material already removed. */
  evidence: Record<string, unknown>;
  /** What the bundle lacks and why, for its README. */
  notes: string[];
  /** Documents that could not be loaded and were left out (the exit code is then at least 1). */
  skipped: number;
}

export interface SourceDeps {
  fetch: Fetch;
  now: () => Date;
  /** How long `--kubernetes` waits for the first complete list (default 60 s). */
  kubernetesTimeoutMs?: number;
}

export async function loadSource(args: DiagnoseArgs, io: CliIO, deps: SourceDeps): Promise<LoadedSource> {
  switch (args.source.kind) {
    case 'admin':
      return adminInput(args.source.admin, deps.fetch, deps.now());
    case 'kubernetes':
      return kubernetesInput(args, deps);
    case 'files':
      return filesInput(args.source.files, args, io, deps.now());
  }
}

async function filesInput(files: string[], args: DiagnoseArgs, io: CliIO, now: Date): Promise<LoadedSource> {
  let stdin: string | undefined;
  if (files.includes('-')) {
    try {
      stdin = await io.readStdin();
    } catch (error) {
      throw usageError(`cannot read standard input: ${errorMessage(error)}`);
    }
  }
  const invalid: ResourceLoadError[] = [];
  const { objects, warnings } = await loadResources(files, { ...(stdin === undefined ? {} : { stdin }), onInvalid: (error) => invalid.push(error) });
  // A file that cannot be read at all is a usage error; a document that does not load is left out, as translate does.
  const unreadable = invalid.filter((e) => e.code === 'READ_FAILED');
  if (unreadable.length > 0) throw usageError(unreadable.map((e) => e.message).join('; '));
  for (const error of invalid) io.stderr.write(`portico: error: ${error.message} (left out)\n`);
  for (const { source, document, message } of warnings) io.stderr.write(`portico: warning: ${source}: document ${document}: ${message}\n`);
  return translatedHere(objects, args, now, invalid.length, ['Offline diagnosis of files: no server, so no connected proxies (clients) and no server log lines.']);
}

/** Lists every watched kind once through the Kubernetes provider, then stops it. */
async function kubernetesInput(args: DiagnoseArgs, deps: SourceDeps): Promise<LoadedSource> {
  const source = args.source.kind === 'kubernetes' ? args.source : undefined;
  const kubeConfig = new KubeConfig();
  try {
    if (source?.kubeconfig) kubeConfig.loadFromFile(source.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw usageError(`cannot load the cluster credentials${source?.kubeconfig ? ` from '${source.kubeconfig}'` : ''}: ${errorMessage(error)}`);
  }
  if (!kubeConfig.getCurrentCluster()) throw usageError('no Kubernetes cluster configured: give --kubeconfig FILE, set KUBECONFIG, or run in a pod');
  const provider = createKubernetesProvider({ kubeConfig });
  const timeoutMs = deps.kubernetesTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    // The provider retries a failing list for ever (a server may be restarting); a one-shot command waits this long.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(usageError(`cannot list the cluster's objects within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} (is the API server at ${kubeConfig.getCurrentCluster()!.server} reachable, and may these credentials list Gateway API objects?)`)), timeoutMs);
    });
    const snapshot = await Promise.race([provider.start(), timeout]);
    return translatedHere(snapshot.objects as Resource[], args, deps.now(), 0, [
      'Diagnosed from the cluster\'s objects, translated by this command: no server, so no connected proxies (clients) and no server log lines (kubectl logs -n <namespace> deploy/portico).',
    ]);
  } finally {
    clearTimeout(timer);
    await provider.stop();
  }
}

function translatedHere(objects: Resource[], args: DiagnoseArgs, now: Date, skipped: number, notes: string[]): LoadedSource {
  const controllerName = args.controllerName ?? DEFAULT_CONTROLLER_NAME;
  const input = offlineInput(objects, now, { controllerName });
  const xds: Record<string, unknown> = Object.fromEntries(input.xds ?? []);
  return {
    input,
    evidence: {
      'status.json': { objects: applyStatuses(objects as KubeObject[], input.translation, controllerName), diagnostics: input.translation.diagnostics },
      'ir.json': JSON.parse(dumpIR(input.translation.gateways, 'json')),
      'xds.json': { xds },
    },
    notes,
    skipped,
  };
}

export function usageError(message: string): CliError {
  return new CliError(message, DIAGNOSE_USAGE_EXIT_CODE);
}
