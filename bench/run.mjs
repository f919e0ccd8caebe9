// `npm run bench [-- options]`: prints one JSON object per scenario. Figures are medians of several
// runs in one warm process.
//
//   --scenario translate|ads-fanout   run only that scenario (default: both)
//   --routes N        routes of the generated gateway (translate: 100 and 1000; ads-fanout: 1000).
//                     Given alone, it runs only the translate scenario, for that size.
//   --clients a,b,c   ads-fanout client counts (default 1,100,1000). Given alone, runs only ads-fanout.
//   --protocols p,q   ads-fanout ADS flavours: sotw, delta (default both)
//   --runs N          translate runs, and ads-fanout updates, per figure (default 5)
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { envoyProtos } from '@portico/envoy';
import { ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildXds, encodeResources } from '@portico/xds';
import { runAdsFanout } from './ads-fanout.mjs';
import { generateObjects } from './generate-input.mjs';

const SCENARIOS = ['translate', 'ads-fanout'];
const PROTOCOLS = ['sotw', 'delta'];
const { values } = parseArgs({
  options: {
    scenario: { type: 'string' },
    routes: { type: 'string' },
    clients: { type: 'string' },
    protocols: { type: 'string', default: 'sotw,delta' },
    runs: { type: 'string', default: '5' },
  },
});
const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);
const runs = Number(values.runs);
const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** --scenario decides; otherwise --routes alone means translate (as before) and --clients alone ads-fanout. */
function chosenScenarios() {
  if (values.scenario) {
    if (!SCENARIOS.includes(values.scenario)) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')}`);
    return [values.scenario];
  }
  if (values.routes && !values.clients) return ['translate'];
  if (values.clients && !values.routes) return ['ads-fanout'];
  return SCENARIOS;
}

function runTranslate(sizes) {
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
}

const scenarios = chosenScenarios();
if (scenarios.includes('translate')) runTranslate(values.routes ? [Number(values.routes)] : [100, 1000]);
if (scenarios.includes('ads-fanout')) {
  const protocols = list(values.protocols);
  if (protocols.some((p) => !PROTOCOLS.includes(p))) throw new Error(`--protocols takes ${PROTOCOLS.join(', ')}`);
  await runAdsFanout({
    clients: values.clients ? list(values.clients).map(Number) : [1, 100, 1000],
    routes: values.routes ? Number(values.routes) : 1000,
    updates: runs,
    protocols,
  });
}
