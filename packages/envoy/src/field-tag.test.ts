import { fieldTag, fieldTags } from './field-tag.js';

describe('fieldTag', () => {
  it('gives field number and wire type from the loaded protos', () => {
    // route_components.proto: Route.name = 14 (string), Route.match = 1 (message); RouteConfiguration.ignore_port_in_host_matching = 14 (bool).
    expect(fieldTags('envoy.config.route.v3.Route', ['name', 'match'])).toEqual({ name: (14 << 3) | 2, match: (1 << 3) | 2 });
    expect(fieldTag('envoy.config.route.v3.RouteConfiguration', 'ignorePortInHostMatching')).toBe(14 << 3);
    // ClusterWeight.weight is a UInt32Value: a message.
    expect(fieldTag('envoy.config.route.v3.WeightedCluster.ClusterWeight', 'weight')).toBe((2 << 3) | 2);
  });

  it('refuses a field the message does not have', () => {
    expect(() => fieldTag('envoy.config.route.v3.Route', 'nope')).toThrow('has no field nope');
  });
});
