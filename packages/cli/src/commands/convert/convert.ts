/**
 * `portico convert`: load → convertIngresses (@portico/translator) → print the Gateway API objects,
 * and the report of what could not be expressed on standard error. Loaded lazily by `main`.
 */
import { formatDocument } from '@portico/ir';
import { loadResources, type ResourceLoadError } from '@portico/resources';
import { convertIngresses, formatConversionNote } from '@portico/translator';
import { CliError, errorMessage } from '../../args.js';
import type { CliIO } from '../../cli-io.js';
import { CONVERT_PARTIAL_EXIT_CODE, type ConvertArgs } from './convert-args.js';
import { formatObjects } from '../translate/translate.js';

export async function runConvert(args: ConvertArgs, io: CliIO): Promise<number> {
  let stdin: string | undefined;
  if (args.files.includes('-')) {
    try {
      stdin = await io.readStdin();
    } catch (error) {
      throw new CliError(`cannot read standard input: ${errorMessage(error)}`);
    }
  }
  const invalid: ResourceLoadError[] = [];
  const { objects } = await loadResources(args.files, { ...(stdin === undefined ? {} : { stdin }), onInvalid: (error) => invalid.push(error) });
  for (const error of invalid) io.stderr.write(`portico: error: ${error.message}\n`);
  if (!objects.some((o) => o.kind === 'Ingress')) {
    io.stderr.write('portico: warning: the input has no Ingress: nothing to convert (the other objects are printed unchanged)\n');
  }
  const { objects: converted, notes } = convertIngresses(objects, {
    ...(args.gatewayClass ? { gatewayClassName: args.gatewayClass } : {}),
    ...(args.gatewayNamespace ? { gatewayNamespace: args.gatewayNamespace } : {}),
  });
  for (const n of notes) io.stderr.write(`portico: convert: ${formatConversionNote(n)}\n`);
  io.stdout.write(args.output === 'json' ? formatDocument({ apiVersion: 'v1', kind: 'List', items: converted, report: notes }, 'json') : formatObjects(converted, 'yaml'));
  if (invalid.length > 0) {
    io.stderr.write(`portico: ${invalid.length === 1 ? 'one input' : `${invalid.length} inputs`} could not be loaded and ${invalid.length === 1 ? 'was' : 'were'} left out (see above)\n`);
    return 1;
  }
  return notes.length > 0 ? CONVERT_PARTIAL_EXIT_CODE : 0;
}
