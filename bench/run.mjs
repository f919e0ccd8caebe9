// `npm run bench [-- --routes N]`: prints one JSON object per scenario. Figures are medians of
// several runs in one warm process; peak RSS is the process maximum (process.resourceUsage).
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { envoyProtos } from '@portico/envoy';
import { ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildXds, encodeResources } from '@portico/xds';
import { generateObjects } from './generate-input.mjs';

const { values } = parseArgs({ options: { routes: { type: 'string' }, runs: { type: 'string', default: '5' } } });
const sizes = values.routes ? [Number(values.routes)] : [100, 1000];
const runs = Number(values.runs);
const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rssBefore = process.memoryUsage().rss;
let t = performance.now();
envoyProtos();
console.log(JSON.stringify({ scenario: 'envoy-proto-load', loadMs: Math.round(performance.now() - t), rssIncreaseMiB: mib(process.memoryUsage().rss - rssBefore) }));

for (const routes of sizes) {
  const objects = generateObjects(routes);
  const toIR = [], toXds = [], encode = [];
  let encodedBytes = 0;
  for (let r = 0; r < runs; r++) {
    t = performance.now();
    const result = translate(ResourceSet.from(objects), { now: new Date(0) });
    toIR.push(performance.now() - t);
    t = performance.now();
    const xds = [...result.gateways.values()].map(buildXds);
    toXds.push(performance.now() - t);
    t = performance.now();
    const encoded = xds.map(encodeResources);
    encode.push(performance.now() - t);
    encodedBytes = encoded.reduce((n, e) => n + Object.values(e).flat().reduce((m, res) => m + res.bytes.length, 0), 0);
  }
  const ms = (xs) => Math.round(median(xs) * 10) / 10;
  console.log(JSON.stringify({
    scenario: 'translate-http',
    routes,
    gatewayApiToIrMs: ms(toIR),
    irToXdsMs: ms(toXds),
    encodeMs: ms(encode),
    fullTranslateMs: Math.round((median(toIR) + median(toXds) + median(encode)) * 10) / 10,
    encodedBytes,
    heapUsedMiB: mib(process.memoryUsage().heapUsed),
    peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
  }));
}
