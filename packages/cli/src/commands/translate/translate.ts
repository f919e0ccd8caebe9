/**
 * `portico translate`: load resources → ResourceSet → translate → print statuses or IR. Loaded lazily
 * by `main`, so `portico version` and `--help` never load the translator.
 */
import { dumpIR, formatDocument, type GatewayIR } from '@portico/ir';
import { loadResources, ResourceSet, type KubeObject, type ResourceLoadError } from '@portico/resources';
import { applyStatuses, DEFAULT_CONTROLLER_NAME, translate } from '@portico/translator';
import { gatewayConfigDump } from '@portico/xds';
import { CliError, errorMessage } from '../../args.js';
import type { CliIO } from '../../cli-io.js';
import type { OutputFormat, TranslateArgs } from './translate-args.js';
import { nothingToTranslateNotes } from './translate-notes.js';

/** Runs a parsed `portico translate`; user mistakes throw CliError (exit code 1). */
export async function runTranslate(args: TranslateArgs, io: CliIO): Promise<number> {
  const stdin = args.files.includes('-') ? await readStdin(io) : undefined;
  // Like the file provider, a document that does not load is reported and the rest is translated;
  // the exit code (1) still says the input was not all good.
  const invalid: ResourceLoadError[] = [];
  const { objects, warnings } = await loadResources(args.files, { ...(stdin === undefined ? {} : { stdin }), onInvalid: (error) => invalid.push(error) });
  for (const error of invalid) io.stderr.write(`portico: error: ${error.message}\n`);
  for (const { source, document, message } of warnings) {
    io.stderr.write(`portico: warning: ${source}: document ${document}: ${message}\n`);
  }

  const controllerName = args.controllerName ?? DEFAULT_CONTROLLER_NAME;
  const result = translate(ResourceSet.from(objects), {
    controllerName,
    ...(args.externalNameServices ? { externalNameServices: args.externalNameServices } : {}),
    ...(args.rateLimitService ? { rateLimitService: args.rateLimitService } : {}),
  });
  // Problems on objects without status conditions (Ingress): the only place a user would see them.
  for (const d of result.diagnostics) {
    io.stderr.write(`portico: warning: ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}: ${d.message}\n`);
  }
  for (const note of nothingToTranslateNotes(objects, result, controllerName)) io.stderr.write(`portico: warning: ${note}\n`);
  // Objects whose translation threw (a Portico bug, contained to them): left out of the output's IR.
  for (const f of result.failures) {
    io.stderr.write(`portico: error: ${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name}: translating it failed and it was left out (a bug in Portico): ${f.message}\n`);
  }
  let code = 0;
  if (args.to === 'xds') code = printXds(result.gateways, args.output, io);
  else io.stdout.write(args.to === 'ir' ? dumpIR(result.gateways, args.output) : formatObjects(applyStatuses(objects, result, controllerName), args.output));
  if (invalid.length === 0) return code;
  const count = invalid.length === 1 ? 'one input' : `${invalid.length} inputs`;
  io.stderr.write(`portico: ${count} could not be loaded and ${invalid.length === 1 ? 'was' : 'were'} left out (see above); the rest was translated\n`);
  return Math.max(code, 1);
}

/**
 * `xds: { "<ns>/<gateway>": { listeners, routes, clusters, endpoints, secrets } }` (DESIGN.md §3). An
 * inconsistent snapshot is a Portico bug, not the user's: it is printed, then reported with exit code 2.
 */
function printXds(gateways: Map<string, GatewayIR>, format: OutputFormat, io: CliIO): number {
  const xds: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, ir] of gateways) {
    const { dump, problems: found } = gatewayConfigDump(ir);
    xds[name] = dump;
    problems.push(...found.map((p) => `${name}: ${p}`));
  }
  io.stdout.write(formatDocument({ xds }, format));
  for (const p of problems) io.stderr.write(`portico: internal error: inconsistent xDS snapshot: ${p}\n`);
  return problems.length > 0 ? 2 : 0;
}

async function readStdin(io: CliIO): Promise<string> {
  try {
    return await io.readStdin();
  } catch (error) {
    throw new CliError(`cannot read standard input: ${errorMessage(error)}`);
  }
}

/**
 * YAML: one document per object, `---` between them, as `kubectl apply -f` takes them back.
 * JSON: a `v1 List`, the shape `kubectl get -o json` prints for several objects.
 */
export function formatObjects(objects: KubeObject[], format: OutputFormat): string {
  if (format === 'json') return formatDocument({ apiVersion: 'v1', kind: 'List', items: objects }, 'json');
  return objects.map((object) => formatDocument(object, 'yaml')).join('---\n');
}
