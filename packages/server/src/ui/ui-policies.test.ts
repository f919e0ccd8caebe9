/**
 * Policies through a running server's /ui/api (testdata/ui/policies.in.yaml, real HTTP on 127.0.0.1):
 * the graph lists them and filters by their kind, a policy's details carry its spec and the ancestor
 * status Portico writes, and no answer holds the htpasswd hash or the API key of the Secrets they use.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseResources } from '@portico/resources';
import type { GraphDocument, ObjectDetails } from '@portico/ui';
import { request, ROOT, startServer, type RunningServer } from './ui.test-util.js';

const INPUT = join(ROOT, 'testdata/ui/policies.in.yaml');
/** The credentials policies.in.yaml's Secrets hold (stringData, so the same text the answers would carry). */
const CREDENTIALS = ['alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', 'W6ph5Mm5Pz8GgiULbPgzG37mj9g', 'key-ops-5f2c9a'];
const base64 = (text: string) => Buffer.from(text).toString('base64');

describe('/ui/api with policies', () => {
  let running: RunningServer;
  const getJson = async <T>(path: string): Promise<{ status: number; body: T; text: string }> => {
    const answer = await request(running.adminPort, path);
    return { status: answer.status, body: JSON.parse(answer.body) as T, text: answer.body };
  };

  beforeAll(async () => {
    running = await startServer(parseResources(readFileSync(INPUT, 'utf8'), INPUT).objects);
  });
  afterAll(async () => {
    await running.server.shutdown();
  });

  it('lists policies, filterable by kind, with their health', async () => {
    const { body } = await getJson<GraphDocument>('/ui/api/graph?kind=SecurityPolicy,RateLimitPolicy');
    expect(Object.fromEntries(body.nodes.map((n) => [n.id, n.health]))).toEqual({
      'SecurityPolicy/default/admin-keys': 'ok',
      'SecurityPolicy/default/ghost-route': 'warning',
      'SecurityPolicy/default/greeter-invalid': 'error',
      'SecurityPolicy/default/http-allow-new': 'warning',
      'SecurityPolicy/default/http-allow-old': 'ok',
      'SecurityPolicy/default/tokens-basic': 'ok',
      'RateLimitPolicy/default/greeter-limit': 'ok',
    });
  });

  it("describes a policy with its spec and ancestor status", async () => {
    const { status, body } = await getJson<ObjectDetails>(`/ui/api/object?id=${encodeURIComponent('SecurityPolicy/default/http-allow-new')}`);
    expect(status).toBe(200);
    expect(body.kind).toBe('SecurityPolicy');
    expect(body.yaml).toContain('kind: SecurityPolicy');
    expect(body.yaml).toContain('192.0.2.0/24');
    expect(body.yaml).toMatch(/ancestors:[\s\S]*reason: Conflicted/);
    expect(body.badges.map((b) => b.code)).toEqual(['PolicyConflicted']);
  });

  it('never hands out the credentials of the Secrets policies use, in any answer', async () => {
    const graph = await getJson<GraphDocument>('/ui/api/graph');
    const answers = [graph.text];
    for (const node of graph.body.nodes) answers.push((await request(running.adminPort, `/ui/api/object?id=${encodeURIComponent(node.id)}`)).body);
    expect(answers.some((a) => a.includes('"kind":"SecurityPolicy"') && a.includes('basicAuth'))).toBe(true);
    // The routes' IR carries both, redacted: the test reads answers that would hold them.
    const ir = answers.map((a) => (a.startsWith('{"id":"HTTPRoute/') ? ((JSON.parse(a) as ObjectDetails).ir ?? '') : '')).join('\n');
    expect(ir).toMatch(/htpasswd: /);
    expect(ir).toMatch(/apiKey: /);
    for (const answer of answers) {
      for (const secret of CREDENTIALS) {
        expect(answer).not.toContain(secret);
        expect(answer).not.toContain(base64(secret));
      }
    }
  });
});
