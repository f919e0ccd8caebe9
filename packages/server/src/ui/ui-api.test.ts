/**
 * The dashboard's documents from a running server (`createPorticoServer` over the examples, real HTTP
 * on 127.0.0.1): the graph and its filters, object details without key material, the data plane,
 * explain and its path, and the event stream (on connect, after a change, closed on shutdown).
 */
import type { ExplainDocument, GraphDocument, ObjectDetails } from '@portico/ui';
import { brokenExampleObjects, exampleKeyMaterial, exampleObjects, openEvents, request, startServer, type RunningServer } from './ui.test-util.js';

describe('/ui/api of a running server', () => {
  let running: RunningServer;
  const getJson = async <T>(path: string): Promise<{ status: number; body: T; text: string }> => {
    const answer = await request(running.adminPort, path);
    return { status: answer.status, body: JSON.parse(answer.body) as T, text: answer.body };
  };

  beforeEach(async () => {
    running = await startServer(exampleObjects());
  });
  afterEach(async () => {
    await running.server.shutdown();
  });

  it('serves the graph of the examples, and its filters', async () => {
    const { status, body: graph } = await getJson<GraphDocument>('/ui/api/graph');
    expect(status).toBe(200);
    expect(graph.controllerName).toBe('portico.dev/gateway-controller');
    expect(graph.gatewayNames).toEqual(['default/demo', 'ingressclass/portico']);
    const ids = graph.nodes.map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining(['GatewayClass/portico', 'Gateway/default/demo', 'Listener/default/demo/https', 'HTTPRoute/default/shop', 'Ingress/default/blog', 'Service/default/web', 'Endpoint/default/web/127.0.0.1:9001']));
    // No Envoy is connected: diagnose says so on each gateway.
    const demo = graph.nodes.find((n) => n.id === 'Gateway/default/demo')!;
    expect(demo.badges.map((b) => b.code)).toContain('NoProxyConnected');
    expect(demo.health).toBe('error');
    expect(graph.nodes.find((n) => n.id === 'HTTPRoute/default/shop')!.health).toBe('ok');
    expect(graph.edges).toContainEqual(expect.objectContaining({ id: 'Listener/default/demo/http->HTTPRoute/default/shop', kind: 'attachment', health: 'ok' }));

    const routes = (await getJson<GraphDocument>('/ui/api/graph?kind=HTTPRoute,GRPCRoute')).body;
    expect(routes.nodes.map((n) => n.id)).toEqual(['HTTPRoute/default/shop', 'GRPCRoute/default/greeter']);
    expect(routes.totals).toEqual(graph.totals);
    const ingress = (await getJson<GraphDocument>('/ui/api/graph?gateway=ingressclass/portico')).body;
    expect(ingress.nodes.map((n) => n.id)).toEqual(['Gateway/ingressclass/portico', 'Listener/ingressclass/portico/http-80', 'Ingress/default/blog', 'Service/default/web', 'Endpoint/default/web/127.0.0.1:9001']);
    const problems = (await getJson<GraphDocument>('/ui/api/graph?problems=true')).body;
    expect(problems.nodes.every((n) => n.health === 'error' || n.health === 'warning')).toBe(true);
  });

  it('turns a route red when a file edit breaks it, with a new version', async () => {
    const before = (await getJson<GraphDocument>('/ui/api/graph')).body;
    running.provider.emit(brokenExampleObjects());
    await running.server.settled();
    const after = (await getJson<GraphDocument>('/ui/api/graph')).body;
    expect(after.version).not.toBe(before.version);
    const shop = after.nodes.find((n) => n.id === 'HTTPRoute/default/shop')!;
    expect(shop.health).toBe('error');
    expect(shop.badges).toContainEqual(expect.objectContaining({ level: 'FAIL', code: 'ServicePortNotFound', field: 'spec.rules[3].backendRefs[0].port' }));
    expect(after.edges).toContainEqual(expect.objectContaining({ id: 'HTTPRoute/default/shop->Service/default/web', health: 'error' }));
  });

  it('describes an object with its status, badges, IR and xDS; 400 without an id, 404 for an unknown one', async () => {
    const gateway = (await getJson<ObjectDetails>('/ui/api/object?id=Gateway/default/demo')).body;
    expect(gateway.kind).toBe('Gateway');
    expect(gateway.yaml).toContain('kind: Gateway');
    expect(gateway.yaml).toMatch(/status:\n/);
    expect(gateway.ir).toContain('name: default/demo');
    expect(gateway.xds).toContain('dynamicListeners');
    const route = (await getJson<ObjectDetails>(`/ui/api/object?id=${encodeURIComponent('HTTPRoute/default/shop')}`)).body;
    expect(route.yaml).toContain('parents:');
    expect(route.ir).toContain('httproute/default/shop/rule/0/match/0');
    expect(route.xds).toContain('httproute/default/shop/rule/0/match/0');
    const listener = (await getJson<ObjectDetails>('/ui/api/object?id=Listener/default/demo/https')).body;
    expect(listener.yaml).toContain('attachedRoutes: 2');
    expect(listener.ir).toContain('tls-8443');
    expect((await request(running.adminPort, '/ui/api/object')).status).toBe(400);
    const unknown = await getJson<{ error: string }>('/ui/api/object?id=Gateway/default/nope');
    expect(unknown).toMatchObject({ status: 404, body: { error: "no node 'Gateway/default/nope'" } });
  });

  it('never hands out the TLS Secret\'s key, in any /ui/api answer', async () => {
    const graph = await getJson<GraphDocument>('/ui/api/graph');
    const answers = [graph.text];
    for (const node of graph.body.nodes) answers.push((await request(running.adminPort, `/ui/api/object?id=${encodeURIComponent(node.id)}`)).body);
    answers.push((await request(running.adminPort, '/ui/api/dataplane')).body);
    answers.push((await request(running.adminPort, `/ui/api/explain?url=${encodeURIComponent('https://shop.example.com:8443/api')}`)).body);
    const https = answers.find((a) => a.includes('"id":"Gateway/default/demo"') && a.includes('"yaml"'))!;
    // The certificate is there, summarised; the key is not.
    expect(https).toContain('example-com-tls');
    for (const answer of answers) {
      for (const secret of exampleKeyMaterial()) expect(answer).not.toContain(secret);
      expect(answer).not.toMatch(/PRIVATE KEY/);
    }
  });

  it('explains a request and gives its path through the graph', async () => {
    const url = encodeURIComponent('http://shop.example.com:8080/api/items');
    const { status, body } = await getJson<ExplainDocument>(`/ui/api/explain?url=${url}&gateway=default/demo&header=${encodeURIComponent('x-canary: true')}`);
    expect(status).toBe(200);
    expect(body.summary).toMatch(/^forwarded: forwarded to default\/api-v2\/8080\/http/);
    expect(body.path).toEqual(['Gateway/default/demo', 'Listener/default/demo/http', 'HTTPRoute/default/shop', 'Service/default/api-v2', 'Endpoint/default/api-v2/127.0.0.1:9003']);
    const split = (await getJson<ExplainDocument>(`/ui/api/explain?url=${encodeURIComponent('http://shop.example.com:8080/api')}`)).body;
    expect(split.path).toEqual(['Gateway/default/demo', 'Listener/default/demo/http', 'HTTPRoute/default/shop', 'Service/default/api-v1', 'Endpoint/default/api-v1/127.0.0.1:9002', 'Service/default/api-v2', 'Endpoint/default/api-v2/127.0.0.1:9003']);
    const blog = (await getJson<ExplainDocument>(`/ui/api/explain?url=${encodeURIComponent('http://blog.example.com/')}`)).body;
    expect(blog.path).toEqual(['Gateway/ingressclass/portico', 'Listener/ingressclass/portico/http-80', 'Ingress/default/blog', 'Service/default/web', 'Endpoint/default/web/127.0.0.1:9001']);
    // A TCP port: no HTTP routing, the TCPRoute and its Service.
    const postgres = (await getJson<ExplainDocument>(`/ui/api/explain?url=${encodeURIComponent('http://db.example.com:15432/')}`)).body;
    expect(postgres.summary).toMatch(/^not-http: /);
    expect(postgres.path).toEqual(['Gateway/default/demo', 'Listener/default/demo/postgres', 'TCPRoute/default/postgres', 'Service/default/postgres', 'Endpoint/default/postgres/127.0.0.1:9005']);
    expect(await getJson('/ui/api/explain')).toMatchObject({ status: 400 });
    expect(await getJson(`/ui/api/explain?url=${encodeURIComponent('ftp://x/')}`)).toMatchObject({ status: 400, body: { error: expect.stringContaining('only http and https') } });
    expect(await getJson(`/ui/api/explain?url=${url}&gateway=default/none`)).toMatchObject({ status: 400, body: { error: expect.stringContaining('default/none has no served xDS') } });
  });

  it('lists each served gateway\'s data plane: no proxies yet, the served version', async () => {
    const { status, body } = await getJson<{ version: string; gateways: { gateway: string; servedVersion?: string; proxies: unknown[]; quarantined: unknown[] }[] }>('/ui/api/dataplane');
    expect(status).toBe(200);
    expect(body.gateways.map((g) => g.gateway)).toEqual(['default/demo', 'ingressclass/portico']);
    expect(body.gateways[0]).toMatchObject({ proxies: [], quarantined: [], servedVersion: expect.any(String) });
  });

  it('streams changed on connect and after a change, and closes the stream on shutdown', async () => {
    const events = await openEvents(running.adminPort);
    expect(events.status).toBe(200);
    const first = await events.next();
    const graph = (await getJson<GraphDocument>('/ui/api/graph')).body;
    expect(first.graph).toBe(graph.version);
    running.provider.emit(brokenExampleObjects());
    const second = await events.next();
    expect(second.graph).not.toBe(first.graph);
    expect(second.graph).toBe((await getJson<GraphDocument>('/ui/api/graph')).body.version);
    await running.server.shutdown();
    await events.ended;
  });
});
