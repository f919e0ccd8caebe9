/**
 * `--allow-external-name-services` and `--allow-external-name-loopback`, shared by `portico serve` and
 * `portico translate` (which shows what serve would do with the same flags). ExternalName Services are
 * refused as backends by default (@portico/translator external-name-backends.ts says why).
 */
import type { ExternalNameServices } from '@portico/translator';
import { CliError } from '../../args.js';

export const EXTERNAL_NAME_OPTIONS = {
  'allow-external-name-services': { type: 'boolean', default: false },
  'allow-external-name-loopback': { type: 'boolean', default: false },
} as const;

export const EXTERNAL_NAME_HELP = `      --allow-external-name-services
                                Route to Services of type ExternalName: Envoy resolves their
                                spec.externalName (DNS) and connects to it. Off by default: whoever may
                                create a Service could point a route at any host Envoy reaches, another
                                namespace's Service included. Names of the gateway's own host
                                (localhost, *.localhost) and IP addresses stay refused
      --allow-external-name-loopback
                                With --allow-external-name-services, allow localhost names too (a
                                single-host setup, tests): Envoy then reaches its own host's ports
`;

/** The translator option the flags spell; `undefined` (the default, refuse) when neither is given. */
export function externalNameServices(values: { 'allow-external-name-services'?: boolean; 'allow-external-name-loopback'?: boolean }): ExternalNameServices | undefined {
  const allow = values['allow-external-name-services'] === true;
  const loopback = values['allow-external-name-loopback'] === true;
  if (loopback && !allow) throw new CliError('--allow-external-name-loopback needs --allow-external-name-services');
  return loopback ? 'allow-loopback' : allow ? 'allow' : undefined;
}
