import { performance } from 'node:perf_hooks';
import { ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildXds, encodeResources } from '@portico/xds';
import { generateObjects } from './generate-input.mjs';
const r = translate(ResourceSet.from(generateObjects(10000)), { now: new Date(0) });
const ir = [...r.gateways.values()][0];
const x = buildXds(ir, { proxyless: true });
encodeResources(x);
const { Session } = await import('node:inspector/promises');
const session = new Session(); session.connect();
await session.post('Profiler.enable'); await session.post('Profiler.start');
const ms = [];
for (let i = 0; i < 5; i++) { const t = performance.now(); encodeResources(buildXds(ir, { proxyless: true })); ms.push(performance.now() - t); }
const { profile } = await session.post('Profiler.stop');
(await import('node:fs')).writeFileSync('/tmp/prof/enc.cpuprofile', JSON.stringify(profile));
console.log('build+encode', ms.map((m) => m.toFixed(0)).join(' '));
