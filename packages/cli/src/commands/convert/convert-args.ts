/** The arguments of `portico convert`, checked before the translator is loaded. */
import { parseArgs } from 'node:util';
import { CliError, rejectPositionals, withArgErrors } from '../../args.js';
import type { OutputFormat } from '../translate/translate-args.js';

export interface ConvertArgs {
  /** Files or directories in the order given; `-` is standard input. */
  files: string[];
  gatewayClass?: string;
  gatewayNamespace?: string;
  output: OutputFormat;
}

/** Converted, but the report lists something Gateway API could not express exactly. */
export const CONVERT_PARTIAL_EXIT_CODE = 3;

export const CONVERT_HELP = `Usage: portico convert -f FILE|DIR [-f ...|-] [--gateway-class NAME] [--gateway-namespace NS]
                       [-o yaml|json]

Converts Ingress objects (with the ingress-nginx annotations Portico reads) into Gateway API objects
that route the same requests the same way: one Gateway per IngressClass (listeners for port 80 and
one HTTPS listener per TLS host, with its certificateRefs), one HTTPRoute per Ingress and host
(rewrites, redirects, timeouts), ReferenceGrants for Secrets outside the Gateway's namespace, a
BackendTLSPolicy for HTTPS backends without one, and GatewayClass portico when the input has none
(unless --gateway-class names an existing one).
Every other object (Services, Secrets, EndpointSlices…) is printed unchanged (with the defaults the
API server fills in), so the output can be translated or applied on its own; Ingresses and
IngressClasses are replaced.

What Gateway API cannot express is reported on standard error, one line per Ingress and annotation,
with why (and in -o json under "report"):
  partial      converted, but the objects behave differently as the line says
  unsupported  left out; the line says what the converted objects do instead
  invalid      the Ingress or an annotation value could not be used (as 'portico translate' says)

Options:
  -f, --file FILE           A YAML/JSON file (multi-document allowed) or a directory. Repeatable;
                            '-' reads standard input.
      --gateway-class NAME  The existing GatewayClass of the Gateways (default: portico, created with
                            Portico's controllerName when the input has no GatewayClass portico)
      --gateway-namespace NS
                            The namespace of the Gateways (default: the Ingresses' namespace when
                            they share one, else default)
  -o, --output FORMAT       yaml (default; multi-document) or json (a List with "report")
  -h, --help                Show this help

Exit codes: 0 converted exactly, 1 invalid arguments or input, 2 internal error, 3 converted with
a report (something could not be expressed exactly).

Examples:
  portico convert -f ingresses/ > gateway-api.yaml
  kubectl get ingress,service,secret -A -o yaml | portico convert -f - --gateway-class portico
`;

const OPTIONS = {
  file: { type: 'string', short: 'f', multiple: true },
  'gateway-class': { type: 'string' },
  'gateway-namespace': { type: 'string' },
  output: { type: 'string', short: 'o', default: 'yaml' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Parses `portico convert` arguments; `undefined` means `--help` was asked for. */
export function parseConvertArgs(args: string[]): ConvertArgs | undefined {
  const { values, positionals } = withArgErrors('convert', () => parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true }));
  if (values.help) return undefined;
  rejectPositionals('convert', positionals, '; give files with -f');
  const files = values.file ?? [];
  if (files.length === 0) throw new CliError("missing -f FILE (a file, a directory, or '-' for standard input)");
  if (files.filter((f) => f === '-').length > 1) throw new CliError("'-f -' (standard input) can be given only once");
  if (files.includes('')) throw new CliError('-f needs a file name, not an empty string');
  const output = values.output;
  if (output !== 'yaml' && output !== 'json') throw new CliError(`invalid --output '${output}': expected yaml or json`);
  const gatewayClass = values['gateway-class'];
  if (gatewayClass !== undefined && !DNS_SUBDOMAIN.test(gatewayClass)) throw new CliError(`invalid --gateway-class '${gatewayClass}': expected a lower-case DNS subdomain`);
  const gatewayNamespace = values['gateway-namespace'];
  if (gatewayNamespace !== undefined && !DNS_LABEL.test(gatewayNamespace)) throw new CliError(`invalid --gateway-namespace '${gatewayNamespace}': expected a lower-case DNS label`);
  return { files, output, ...(gatewayClass === undefined ? {} : { gatewayClass }), ...(gatewayNamespace === undefined ? {} : { gatewayNamespace }) };
}
