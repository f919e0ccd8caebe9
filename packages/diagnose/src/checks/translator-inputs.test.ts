/**
 * The Backend, TLS and BackendTLSPolicy checks over every translator golden input (testdata/translator:
 * hundreds of odd, broken and edge-case object sets): none throws, and no finding carries secret
 * material — certificate PEM or key text — in its message or fix.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResources, type Resource } from '@portico/resources';
import { offlineInput } from '../offline-input.js';
import { checkBackendTLSPolicies } from './policies/backend-tls-policy.js';
import { checkBackends } from './backends/backend.js';
import { checkTLS } from './tls/tls.js';
import { TEST_NOW } from './test-objects.test-util.js';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../testdata/translator');
const SECRET_TEXT = /-----BEGIN|PRIVATE KEY|MII[A-Za-z0-9+/]{20}/;

function loadable(file: string): Resource[] | undefined {
  try {
    return parseResources(readFileSync(join(DIR, file), 'utf8'), file, { kubernetesRules: 'warn' }).objects;
  } catch {
    // Inputs the loader refuses are the translator goldens' error cases: nothing to diagnose.
    return undefined;
  }
}

describe('checks over the translator golden inputs', () => {
  it('never throw, and never print secret material', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.in.yaml')).sort();
    let judged = 0;
    let findings = 0;
    for (const file of files) {
      const objects = loadable(file);
      if (!objects) continue;
      judged++;
      const input = offlineInput(objects, TEST_NOW);
      for (const check of [checkBackends, checkTLS, checkBackendTLSPolicies]) {
        for (const f of check(input)) {
          findings++;
          expect(`${file}: ${f.message} ${f.fix ?? ''}`).not.toMatch(SECRET_TEXT);
        }
      }
    }
    expect(judged).toBeGreaterThan(100);
    expect(findings).toBeGreaterThan(judged);
  });
});
