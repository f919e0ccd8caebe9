// One leader elector (the compiled @portico/provider: `npm test` builds first) in a process of its
// own, so a test can SIGKILL a leader: no release, no goodbye, exactly what a crashed replica leaves.
// Prints one JSON line per leadership change: {"event":"started"|"stopped","at":<epoch ms>}.
// Usage: node leader-elector-process.mjs KUBECONFIG NAMESPACE NAME IDENTITY LEASE_MS DEADLINE_MS RETRY_MS
import { KubeConfig } from '@kubernetes/client-node';
import { createLeaderElector } from '@portico/provider/kubernetes';

const [kubeconfigPath, namespace, name, identity, leaseMs, deadlineMs, retryMs] = process.argv.slice(2);
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);

const say = (event) => process.stdout.write(`${JSON.stringify({ event, at: Date.now() })}\n`);
const elector = createLeaderElector({
  kubeConfig,
  namespace,
  name,
  identity,
  leaseDurationMs: Number(leaseMs),
  renewDeadlineMs: Number(deadlineMs),
  retryPeriodMs: Number(retryMs),
  onStartedLeading: () => say('started'),
  onStoppedLeading: () => say('stopped'),
});
elector.start();
process.on('SIGTERM', () => {
  void elector.stop().then(() => process.exit(0));
});
