/** The endpoint-set writer writes exactly the bytes the JSON encoder writes for the endpoint set's JSON. */
import { encodeMessage, RESOURCE_TYPES } from '@portico/envoy';
import type { BackendIR, EndpointIR } from '@portico/ir';
import fc from 'fast-check';
import { buildClusterLoadAssignment } from '../clusters/endpoints.js';
import { writeClusterLoadAssignment } from './endpoints-wire.js';

const CLA = RESOURCE_TYPES.endpoint;

function backend(endpoints: EndpointIR[], overrides: Partial<BackendIR> = {}): BackendIR {
  return { name: 'default/echo/8080/http', service: { namespace: 'default', name: 'echo', port: 8080 }, protocol: 'HTTP', endpoints, ...overrides };
}

function expectSameAsJson(b: BackendIR): void {
  const wire = writeClusterLoadAssignment(b);
  const json = buildClusterLoadAssignment(b).resource;
  expect(Buffer.from(wire.bytes).toString('hex')).toBe(Buffer.from(encodeMessage(CLA, json)).toString('hex'));
  // The consistency walk reads no endpoint set: it references nothing.
  for (const names of Object.values(wire.references)) expect(names.size).toBe(0);
}

const many = (n: number, zone?: string): EndpointIR[] =>
  Array.from({ length: n }, (_, i) => ({ address: `10.${(i >> 8) & 255}.${i & 255}.${i % 7}`, port: 8000 + (i % 3), ...(zone === undefined ? {} : { zone }) }));

describe('writeClusterLoadAssignment', () => {
  it('writes what encoding the JSON writes, for the shapes endpoints come in', () => {
    const shapes: BackendIR[] = [
      backend([]),
      backend([{ address: '10.0.0.2', port: 8080 }, { address: '10.0.0.1', port: 8080 }]),
      // A duplicate, terminating endpoints, zones and no zone, an empty zone, IPv6, port 0.
      backend([
        { address: '10.0.0.1', port: 8080, zone: 'b' },
        { address: '10.0.0.1', port: 8080, zone: 'b' },
        { address: '10.0.0.3', port: 8080, terminating: true },
        { address: 'fd00::1', port: 8080, zone: 'a' },
        { address: '10.0.0.4', port: 0, zone: '' },
        { address: '', port: 1 },
      ]),
      backend(many(3), { protocol: 'HTTP2' }),
      backend(many(20, 'z1'), { protocol: 'TCP' }),
      backend(many(2000, 'us-east-1a')), // bodies past 127 and 16383 bytes
      backend(many(5), { protocol: 'UDP' }),
      backend(many(4), { name: `default/${'n'.repeat(200)}/80/http` }),
      backend(many(1), { name: '' }),
    ];
    for (const b of shapes) expectSameAsJson(b);
  });

  it('writes what encoding the JSON writes, for any endpoints', () => {
    const endpoint = fc.record(
      {
        address: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('')),
        port: fc.integer({ min: 0, max: 65535 }),
        zone: fc.oneof(fc.constantFrom('', 'a', 'b', 'zone-ü'), fc.string({ maxLength: 140 })),
        terminating: fc.boolean(),
      },
      { requiredKeys: ['address', 'port'] },
    );
    fc.assert(
      fc.property(fc.array(endpoint, { maxLength: 40 }), fc.constantFrom<BackendIR['protocol']>('HTTP', 'HTTP2', 'TCP', 'UDP'), (endpoints, protocol) => {
        expectSameAsJson(backend(endpoints, { protocol }));
      }),
      { numRuns: 300 },
    );
  });
});
