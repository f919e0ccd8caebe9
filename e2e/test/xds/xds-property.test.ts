/**
 * Property test: every IR the translator can produce from a random resource set becomes a consistent
 * xDS snapshot whose every resource passes the strict proto3 check. A sample of the outputs is written
 * to .cache/xds-samples/ so that CI runs them through the Go checker (Envoy's own validation rules).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { formatDocument } from '@portico/ir';
import { ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { gatewayConfigDump } from '@portico/xds';
import { resourceSetObjects } from '../../../packages/translator/src/arbitraries.test-util.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const SAMPLES = 40;
const SAMPLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../.cache/xds-samples');

describe('IR → xDS properties', () => {
  it('random translator output always gives a consistent, encodable snapshot', () => {
    rmSync(SAMPLE_DIR, { recursive: true, force: true });
    mkdirSync(SAMPLE_DIR, { recursive: true });
    let written = 0;
    fc.assert(
      fc.property(resourceSetObjects, (objects) => {
        const { gateways } = translate(ResourceSet.from(objects as never), { now: new Date(0) });
        const xds: Record<string, unknown> = {};
        for (const [name, ir] of gateways) {
          const { dump, problems } = gatewayConfigDump(ir);
          expect(problems).toEqual([]);
          xds[name] = dump;
        }
        if (written < SAMPLES && Object.keys(xds).length > 0) {
          writeFileSync(join(SAMPLE_DIR, `sample-${String(written++).padStart(3, '0')}.yaml`), formatDocument({ xds }, 'yaml'));
        }
      }),
      { numRuns: RUNS },
    );
  });
});
