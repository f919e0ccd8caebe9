/**
 * Filter chain selection by SNI (Envoy's filter chain manager, FilterChainMatch.server_names): an exact
 * server name first, then wildcards from the most specific (`*.b.example.com` before `*.example.com`),
 * then a chain without server_names, then the listener's default_filter_chain.
 */
import { earlyHeaderMutations, listenerForPort, selectFilterChain } from './listener-select.js';
import { parseExplainRequest } from './request.js';
import { xdsView } from './xds-view.js';

const tls = { name: 'envoy.transport_sockets.tls' };
const listener = {
  name: 'l',
  address: { socketAddress: { address: '0.0.0.0', portValue: 443 } },
  filterChains: [
    { name: 'wild', filterChainMatch: { serverNames: ['*.example.com'] }, transportSocket: tls },
    { name: 'deep', filterChainMatch: { serverNames: ['*.b.example.com'] }, transportSocket: tls },
    { name: 'exact', filterChainMatch: { serverNames: ['a.b.example.com'] }, transportSocket: tls },
    { name: 'any', transportSocket: tls },
  ],
};
const chainFor = (sni: string, l: Record<string, unknown> = listener) => selectFilterChain(l, parseExplainRequest(`https://${sni}/`))?.name;

describe('selectFilterChain', () => {
  test('exact, then the most specific wildcard, then a chain without server names', () => {
    expect(chainFor('a.b.example.com')).toBe('exact');
    expect(chainFor('c.b.example.com')).toBe('deep');
    expect(chainFor('x.y.b.example.com')).toBe('deep');
    expect(chainFor('c.example.com')).toBe('wild');
    expect(chainFor('example.com')).toBe('any');
    expect(chainFor('A.B.Example.com')).toBe('exact');
  });
  test('no chain fits: the default chain, else none (Envoy closes the connection)', () => {
    const named = { ...listener, filterChains: listener.filterChains.slice(0, 3) };
    expect(chainFor('other.org', named)).toBeUndefined();
    expect(chainFor('other.org', { ...named, defaultFilterChain: { name: 'closed' } })).toBe('closed');
  });
  test('the chain says whether it terminates TLS', () => {
    expect(selectFilterChain({ filterChains: [{ name: 'plain' }] }, parseExplainRequest('http://a/'))).toMatchObject({ name: 'plain', tls: false });
    expect(selectFilterChain(listener, parseExplainRequest('https://c.example.com/'))).toMatchObject({ tls: true, serverName: '*.example.com' });
  });
});

describe('listeners and connection managers', () => {
  test('the listener is chosen by port, never a UDP one', () => {
    const view = xdsView({
      listeners: {
        dynamicListeners: [
          { activeState: { listener: { name: 'udp', address: { socketAddress: { portValue: 53, protocol: 'UDP' } } } } },
          { activeState: { listener: { name: 'tcp', address: { socketAddress: { portValue: 443 } } } } },
        ],
      },
    });
    expect(listenerForPort(view, 443)?.name).toBe('tcp');
    expect(listenerForPort(view, 53)).toBeUndefined();
  });
  test('early header mutations are read from the connection manager', () => {
    const hcm = { earlyHeaderMutationExtensions: [{ typedConfig: { mutations: [{ append: { header: { key: 'X-Portico-HTTPS-Server', value: 'https' } } }] } }] };
    expect(earlyHeaderMutations(hcm)).toEqual([{ name: 'x-portico-https-server', value: 'https' }]);
  });
});
