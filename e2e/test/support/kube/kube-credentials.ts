/**
 * The credentials a throwaway kube-apiserver needs: the service-account signing key (kube-apiserver
 * refuses to start without one), an admin bearer token in group system:masters (a static token file:
 * simpler than a client-certificate CA, and still a real authenticator), the client certificate it
 * presents to kubelets (the node agent's log endpoint) under a CA of its own, and the kubeconfig that
 * hands both the token and the server's self-signed CA to clients, in-process and child processes.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { issueCertificateAuthority, issueClientCertificate } from '@portico/server';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeCredentials {
  /** PEM RSA key: signs service-account tokens and verifies them (the public half is derived from it). */
  serviceAccountKeyFile: string;
  /** `token,user,uid,"groups"` — the admin. */
  tokenAuthFile: string;
  adminToken: string;
  /**
   * kube-apiserver's client certificate for kubelets (--kubelet-client-certificate/key), and the CA
   * that signed it — made for this alone, so a kubelet that trusts it trusts the API server only.
   */
  kubeletClient: { caFile: string; certFile: string; keyFile: string };
}

export const ADMIN_USER = 'portico-e2e-admin';

/** Writes the key and token files into `dir` (mode 0600: they are secrets, if throwaway ones). */
export function writeKubeCredentials(dir: string): KubeCredentials {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccountKeyFile = join(dir, 'service-account.key');
  writeFileSync(serviceAccountKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const adminToken = randomBytes(32).toString('hex');
  const tokenAuthFile = join(dir, 'tokens.csv');
  writeFileSync(tokenAuthFile, `${adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });
  return { serviceAccountKeyFile, tokenAuthFile, adminToken, kubeletClient: writeKubeletClientCertificate(dir) };
}

function writeKubeletClientCertificate(dir: string): KubeCredentials['kubeletClient'] {
  const ca = issueCertificateAuthority();
  const client = issueClientCertificate(ca);
  const files = { caFile: join(dir, 'kubelet-client-ca.crt'), certFile: join(dir, 'kubelet-client.crt'), keyFile: join(dir, 'kubelet-client.key') };
  writeFileSync(files.caFile, ca.cert);
  writeFileSync(files.certFile, client.cert);
  writeFileSync(files.keyFile, client.key, { mode: 0o600 });
  return files;
}

/**
 * The admin KubeConfig for `url`, trusting `caFile` — kube-apiserver's generated `apiserver.crt`,
 * which holds the serving certificate (valid for the bind address 127.0.0.1) followed by the CA that
 * signed it. Also written to `kubeconfigPath` for child processes.
 */
export function writeAdminKubeConfig(options: { url: string; caFile: string; token: string; kubeconfigPath: string }): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'portico-e2e', server: options.url, caData: readFileSync(options.caFile).toString('base64'), skipTLSVerify: false }],
    users: [{ name: ADMIN_USER, token: options.token }],
    contexts: [{ name: 'portico-e2e', cluster: 'portico-e2e', user: ADMIN_USER, namespace: 'default' }],
    currentContext: 'portico-e2e',
  });
  writeFileSync(options.kubeconfigPath, kubeConfig.exportConfig(), { mode: 0o600 });
  return kubeConfig;
}
