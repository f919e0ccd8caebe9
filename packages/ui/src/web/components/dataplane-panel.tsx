/**
 * The data plane (DOM contract: #dataplane, one [data-gateway] block per gateway, one [data-proxy-id] row
 * per proxy with data-in-sync): which Envoys run which version, the last NACK, the convergence time.
 */
import type { DataPlaneDocument, GatewayDataPlane, ProxyState } from '../../contract.js';

function seconds(value: number | undefined): string {
  return value === undefined ? '—' : `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;
}

function ProxyRow({ proxy }: { proxy: ProxyState }) {
  return (
    <tr data-proxy-id={proxy.id} data-in-sync={String(proxy.inSync)}>
      <th scope="row">
        <code>{proxy.node}</code>
      </th>
      <td>
        <code>{proxy.ackedVersion ?? '—'}</code>
      </td>
      <td>
        <span class={`health-tag health-${proxy.inSync ? 'ok' : 'warning'}`}>
          <span aria-hidden="true">{proxy.inSync ? '✔' : '▲'}</span> {proxy.inSync ? 'in sync' : 'behind'}
        </span>
      </td>
      <td>{seconds(proxy.lastAckSeconds)}</td>
      <td class="nack">
        {proxy.lastNack ? (
          <span class="health-tag health-error">
            <span aria-hidden="true">✖</span> {proxy.lastNack.message} <span class="muted">(version {proxy.lastNack.version}, {proxy.lastNack.typeUrl.split('.').pop()})</span>
          </span>
        ) : (
          <span class="muted">none</span>
        )}
      </td>
    </tr>
  );
}

function GatewayBlock({ gateway }: { gateway: GatewayDataPlane }) {
  const behind = gateway.proxies.filter((p) => !p.inSync).length;
  return (
    <section class="dp-gateway" data-gateway={gateway.gateway} aria-label={`Gateway ${gateway.gateway} data plane`}>
      <h3>
        Gateway <code>{gateway.gateway}</code>
      </h3>
      <p class="dp-facts">
        Served version <code>{gateway.servedVersion ?? '—'}</code> · {gateway.proxies.length} {gateway.proxies.length === 1 ? 'proxy' : 'proxies'}
        {behind > 0 ? `, ${behind} behind` : ''} · last change converged in {seconds(gateway.convergenceSeconds)}
      </p>
      {gateway.proxies.length === 0 ? (
        <p class="muted">No Envoy is connected for this gateway.</p>
      ) : (
        <table class="dp-proxies">
          <thead>
            <tr>
              <th scope="col">Envoy node</th>
              <th scope="col">ACKed version</th>
              <th scope="col">State</th>
              <th scope="col">Last ACK took</th>
              <th scope="col">Last NACK</th>
            </tr>
          </thead>
          <tbody>
            {gateway.proxies.map((p) => (
              <ProxyRow key={p.id} proxy={p} />
            ))}
          </tbody>
        </table>
      )}
      {gateway.quarantined.length > 0 && (
        <div class="dp-quarantined">
          <h4>Refused by a proxy (left out until they change)</h4>
          <ul>
            {gateway.quarantined.map((q) => (
              <li key={q.id}>
                <code>{q.id}</code>: {q.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

export function DataPlanePanel({ doc, error }: { doc: DataPlaneDocument | undefined; error: string | undefined }) {
  return (
    <section id="dataplane" class="panel" aria-labelledby="dataplane-heading">
      <h2 id="dataplane-heading">Data plane</h2>
      {error && (
        <p class="error-text" role="alert">
          {error}
        </p>
      )}
      {doc && doc.gateways.length === 0 && <p class="muted">No gateway is served yet.</p>}
      {doc?.gateways.map((g) => (
        <GatewayBlock key={g.gateway} gateway={g} />
      ))}
    </section>
  );
}
