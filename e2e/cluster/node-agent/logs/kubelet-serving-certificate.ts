/**
 * The kubelet API's serving certificate: made afresh at each start for the node's address and name,
 * under a CA of its own that nobody else trusts — kube-apiserver is not told to verify it (no
 * --kubelet-certificate-authority, so it skips verification, as it does for kubelets' self-signed
 * certificates), and the agent never hands the CA out.
 */
import { issueCertificateAuthority, issueServerCertificate, type CertificateAndKey } from '@portico/server';

export function issueKubeletServingCertificate(nodeName: string, address: string): CertificateAndKey {
  const ca = issueCertificateAuthority();
  const leaf = issueServerCertificate(ca, { dnsNames: [nodeName], ipAddresses: [address] });
  // The chain, as TLS servers send it: the leaf, then the CA that signed it.
  return { cert: `${leaf.cert}${ca.cert}`, key: leaf.key };
}
