import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dataPlaneInputOf, fetchDataPlaneInput } from './data-plane-input.js';

const CLIENT = { streamId: 'delta-1', protocol: 'delta', peer: '127.0.0.1:1', gateway: 'default/eg', connectedAt: 'now', types: {}, lastAckSeconds: 0.2 };
const QUARANTINED = { gateway: 'default/eg', unit: 'HTTPRoute/a/b/rule/1', kind: 'HTTPRoute', namespace: 'a', name: 'b', rule: 1, typeUrl: 'rds', version: 'b-2', refusedBy: 'e', error: 'bad', probes: 2, since: 'then' };

describe('data-plane input', () => {
  let server: Server;
  let adminUrl: string;
  let answer: { status: number; body: string };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const status = request.url === '/debug/clients' ? answer.status : 404;
      response.writeHead(status, { 'content-type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    adminUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads the clients, the quarantine and the served versions of /debug/clients', async () => {
    answer = { status: 200, body: JSON.stringify({ clients: [CLIENT], quarantined: [QUARANTINED], gateways: { 'default/eg': { servedVersion: 'b-2', lastConvergenceSeconds: 0.3 } } }) };
    const input = await fetchDataPlaneInput(adminUrl);
    expect(input.clients).toEqual([CLIENT]);
    expect(input.quarantined).toEqual([QUARANTINED]);
    expect(input.servedVersions).toEqual(new Map([['default/eg', 'b-2']]));
  });

  it('reads the shape of servers older than the gateways field', () => {
    expect(dataPlaneInputOf({ clients: [], quarantined: [] })).toEqual({ clients: [], quarantined: [], servedVersions: new Map() });
  });

  it('says which URL failed and how', async () => {
    answer = { status: 503, body: '{"error":"starting"}' };
    await expect(fetchDataPlaneInput(adminUrl)).rejects.toThrow(`${adminUrl}/debug/clients answered 503: {"error":"starting"}`);
  });
});
