/**
 * Golden tests of static addresses with managed infrastructure: every
 * `testdata/static-addresses/<case>.in.yaml` holds Gateways and their Envoy Services as the API server
 * and the load balancer left them; the Gateways are translated with the addresses the infrastructure
 * manager reads from those Services (its address book), then again once the wait for a requested
 * address (the default 20 s, on fake timers) is over, and `<case>.out.yaml` holds the Gateway statuses. File mode (no Service) is covered by the translator's
 * goldens (testdata/translator/gateway-address*.in.yaml, gateway-static-addresses.in.yaml).
 * `UPDATE_GOLDEN=1` rewrites the outputs and deletes those whose input is gone.
 */
import { jest } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDocument } from '@portico/ir';
import { parseResources, ResourceSet } from '@portico/resources';
import { translate } from '@portico/translator';
import { createAddressBook } from './address-book.js';
import { DEFAULT_ADDRESS_WAIT_SECONDS } from './infrastructure-options.js';
import { envoyResourceName } from './infrastructure-names.js';
import type { ServiceAddressSource } from './service-addresses.js';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../testdata/static-addresses');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const NOW = new Date('2026-01-01T00:00:00Z');

const cases = readdirSync(DIR).filter((f) => f.endsWith('.in.yaml')).map((f) => f.slice(0, -'.in.yaml'.length)).sort();

function renderGolden(inputPath: string): string {
  const { objects } = parseResources(readFileSync(inputPath, 'utf8'), inputPath);
  const resources = ResourceSet.from(objects as never);
  const book = createAddressBook({
    serviceFor: (gatewayKey) => {
      const [namespace = '', name = ''] = gatewayKey.split('/');
      return { namespace, name: envoyResourceName(namespace, name) };
    },
    lookup: (namespace, name) => resources.get('Service', namespace, name) as ServiceAddressSource | undefined,
    // Every Service of a case is in its input: one that is not there does not exist.
    fetch: async () => undefined,
    onFetchError: (gatewayKey, error) => {
      throw new Error(`${gatewayKey}: ${String(error)}`);
    },
    refetchAfterMs: 60_000,
    unusableAfterMs: DEFAULT_ADDRESS_WAIT_SECONDS * 1000,
  });
  const translateWithBook = () =>
    translate(resources, {
      now: NOW,
      gatewayAddresses: (gateway) => book.addresses(gateway),
      gatewayUnusableAddresses: (gateway, requested) => book.unusable(gateway, requested),
    });
  try {
    // The first translation starts the waits for requested addresses the Services lack.
    translateWithBook();
    jest.advanceTimersByTime(DEFAULT_ADDRESS_WAIT_SECONDS * 1000);
    const result = translateWithBook();
    const statuses = [...result.statuses.values()]
      .filter((s) => s.kind === 'Gateway')
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))
      .map((s) => ({ namespace: s.namespace, name: s.name, status: s.status }));
    return formatDocument({ statuses }, 'yaml');
  } finally {
    book.stop();
  }
}

describe('static address golden files (managed infrastructure)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s', (name) => {
    const actual = renderGolden(join(DIR, `${name}.in.yaml`));
    const outPath = join(DIR, `${name}.out.yaml`);
    if (UPDATE) writeFileSync(outPath, actual);
    expect(existsSync(outPath)).toBe(true);
    expect(actual).toEqual(readFileSync(outPath, 'utf8'));
  });

  if (UPDATE) {
    it('deletes orphaned outputs', () => {
      for (const f of readdirSync(DIR).filter((f) => f.endsWith('.out.yaml'))) {
        if (!cases.includes(f.slice(0, -'.out.yaml'.length))) unlinkSync(join(DIR, f));
      }
    });
  }
});
