import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { createReconciler, createXdsPublisher, createServerMetrics, silentLogger } from '@portico/server';
import { generateObjects } from './generate-input.mjs';
import { createSnapshotSource, editedRoute } from './snapshot-source.mjs';
const source = createSnapshotSource(generateObjects(10000));
const publisher = createXdsPublisher({});
const reconciler = createReconciler({ publisher, metrics: createServerMetrics(new Registry()), logger: silentLogger(), controllerName: 'portico.dev/gateway-controller' });
reconciler.reconcile(source.initial());
const { Session } = await import('node:inspector/promises');
const session = new Session(); session.connect();
await session.post('Profiler.enable'); await session.post('Profiler.start');
const ms = [];
const routes = source.objects().filter((o) => o.kind === 'HTTPRoute');
for (let r = 1; r < 16; r++) {
  const snap = source.upsert([editedRoute(routes[r * 331], r)]);
  const t = performance.now(); reconciler.reconcile(snap); ms.push(performance.now() - t);
}
const { profile } = await session.post('Profiler.stop');
(await import('node:fs')).writeFileSync('/tmp/prof/route.cpuprofile', JSON.stringify(profile));
ms.sort((a, b) => a - b); console.log('route median', ms[7].toFixed(1));
