/**
 * Who can reach the xDS server. xDS hands every gateway's configuration, TLS private keys included,
 * to whoever asks (issue 12, item 7), so `serve` listens on loopback unless told otherwise and says so
 * loudly when it serves plain text anywhere else.
 */
import { parseListenAddress } from './listen-address.js';

/** `localhost`, 127.0.0.0/8, `::1` (and its IPv4-mapped form): reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  return /^(::ffff:)?127(\.\d{1,3}){3}$/.test(bare);
}

/** The warning to log for an xDS address served without TLS, or undefined when it is loopback or TLS is on. */
export function plaintextXdsWarning(xdsAddress: string, tls: boolean): string | undefined {
  if (tls || isLoopbackHost(parseListenAddress(xdsAddress).host)) return undefined;
  return (
    `xDS is served in plain text on ${xdsAddress}, a non-loopback address: any client that can reach it ` +
    `gets every gateway's configuration, TLS private keys included. Configure mutual TLS ` +
    `(--xds-tls-cert/--xds-tls-key/--xds-tls-ca, made by 'portico certgen'), or listen on 127.0.0.1`
  );
}
