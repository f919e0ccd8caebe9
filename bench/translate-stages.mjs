// Full translation of a generated input, each stage timed separately as `portico serve` runs it:
// Gateway API + Ingress → IR (`translate`), IR → Envoy resources (`buildXds` with the proxyless gRPC
// resources, as the xDS publisher builds them), and encoding (`encodeResources`). Every run
// translates a fresh deep copy of the objects, so nothing a translator might remember about object
// instances from an earlier run can make a "full" translation partial.
import { performance } from 'node:perf_hooks';
import { ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { buildXds, encodeResources } from '@portico/xds';
import { CONTROLLER_NAME } from './objects.mjs';
import { median, round1 } from './stats.mjs';

export function measureFullTranslate(objects, { runs, onSample = () => {} }) {
  const toIr = [];
  const toXds = [];
  const encode = [];
  let encodedBytes = 0;
  let encodedResources = 0;
  for (let r = 0; r < runs; r++) {
    const resources = ResourceSet.from(structuredClone(objects));
    let start = performance.now();
    const { gateways } = translate(resources, { controllerName: CONTROLLER_NAME, now: new Date(0) });
    toIr.push(performance.now() - start);
    start = performance.now();
    const xds = [...gateways.values()].map((ir) => buildXds(ir, { proxyless: true }));
    toXds.push(performance.now() - start);
    start = performance.now();
    const encoded = xds.map((resources) => encodeResources(resources));
    encode.push(performance.now() - start);
    onSample();
    const all = encoded.flatMap((e) => [e.listeners, e.routes, e.clusters, e.endpoints, e.secrets].flat());
    encodedBytes = all.reduce((n, resource) => n + resource.bytes.byteLength, 0);
    encodedResources = all.length;
  }
  return {
    gatewayApiToIrMs: round1(median(toIr)),
    irToXdsMs: round1(median(toXds)),
    encodeMs: round1(median(encode)),
    fullTranslateMs: round1(median(toIr.map((ms, r) => ms + toXds[r] + encode[r]))),
    encodedBytes,
    encodedResources,
  };
}
