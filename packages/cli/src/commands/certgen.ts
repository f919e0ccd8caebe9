/**
 * `portico certgen`: the xDS mTLS certificates, kept in Secrets or local files (@portico/server's
 * certgen). Standard output gets one line per Secret or file and the expiry dates; keys never.
 * Loaded lazily by `main`: the Kubernetes client and node-forge load only for this command.
 */
import {
  createLocalStore,
  createLogger,
  runCertgen,
  serverNames,
  StoreError,
  type CertificateStore,
} from '@portico/server';
import { createSecretStore, loadDefaultKubeConfig } from '@portico/server/kubernetes';
import { CliError } from '../args.js';
import type { CliIO } from '../cli-io.js';
import { LOCAL_EXTRA_NAMES, type CertgenArgs } from './certgen-args.js';
import { writableOf } from './serve/serve.js';

export async function runCertgenCommand(args: CertgenArgs, io: CliIO): Promise<number> {
  const logger = createLogger({ level: args.logLevel, stream: writableOf(io.stderr) });
  const local = args.target.kind === 'local';
  const names = serverNames({
    service: args.service,
    clusterDomain: args.clusterDomain,
    extraNames: [...(local ? LOCAL_EXTRA_NAMES : []), ...args.extraNames],
    ...(args.namespace ? { namespace: args.namespace } : {}),
  });
  const store = createStore(args.target);
  try {
    const result = await runCertgen({ store, names, overwrite: args.overwrite, logger, identities: args.identities });
    for (const { target, action } of result.written) io.stdout.write(`${target}: ${action}\n`);
    for (const identity of result.identities) io.stdout.write(`Identity ${identity.uri}: ${identity.issued ? 'issued' : 'kept'}, expires ${day(identity.notAfter)}\n`);
    const issued = Object.keys(result.issued);
    io.stdout.write(
      `${issued.length === 0 ? 'Kept every certificate' : `Issued: ${issued.join(', ')}`} (${store.description}). ` +
        `Expiry: CA ${day(result.notAfter.ca)}, server ${day(result.notAfter.server)}, client ${day(result.notAfter.client)}.\n` +
        `xDS server names: ${[...names.dnsNames, ...names.ipAddresses].join(', ')}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof StoreError) throw new CliError(error.message);
    throw error;
  } finally {
    logger.end();
  }
}

function createStore(target: CertgenArgs['target']): CertificateStore {
  if (target.kind === 'local') return createLocalStore(target.directory);
  try {
    return createSecretStore({ kubeConfig: loadDefaultKubeConfig(), namespace: target.namespace, envoyNamespace: target.envoyNamespace });
  } catch (error) {
    if (error instanceof StoreError) throw new CliError(error.message);
    throw error;
  }
}

const day = (iso: string) => iso.slice(0, 10);
