/** `portico explain` output: one JSON object for scripts, or a few aligned lines for people. */
import type { Explanation } from './explanation.js';

export type ExplainFormat = 'text' | 'json';

export function renderExplanation(explanation: Explanation, format: ExplainFormat): string {
  if (format === 'json') return `${JSON.stringify(inReadingOrder(explanation), null, 2)}\n`;
  const e = explanation;
  const lines: [string, string][] = [];
  const r = e.request;
  const headers = Object.entries(r.headers).map(([k, v]) => ` -H '${k}: ${v}'`).join('');
  lines.push(['request', `${r.method} ${r.url}${headers} (port ${r.port}${r.sni ? `, SNI ${r.sni}` : ''})`]);
  lines.push(['gateway', e.gateway]);
  if (e.listener) lines.push(['listener', e.listener]);
  if (e.filterChain) lines.push(['filter chain', `${e.filterChain}${e.serverName ? ` (server name ${e.serverName})` : ''}`]);
  if (e.routeConfig) lines.push(['route table', e.routeConfig]);
  if (e.virtualHost) lines.push(['virtual host', `${e.virtualHost} (domain ${e.domain})`]);
  if (e.route) lines.push(['route', `${e.route}${e.rule ? `  [${e.rule}]` : ''}`]);
  for (const [i, f] of e.filters.entries()) lines.push([i === 0 ? 'filters' : '', f]);
  for (const [i, b] of e.backends.entries()) {
    const endpoints = b.endpoints.length ? b.endpoints.join(', ') : 'no endpoints';
    const fate = b.status === 0 ? '' : ` → ${b.status}`;
    lines.push([i === 0 ? 'backends' : '', `${b.cluster}  weight ${b.weight} %  ${endpoints}${fate}${b.filters?.length ? `  (${b.filters.join('; ')})` : ''}`]);
  }
  if (e.redirect) lines.push(['location', e.redirect]);
  lines.push(['status', `${e.status === null ? 'none' : String(e.status)} (${e.outcome})`]);
  lines.push(['why', e.reason]);
  for (const [i, m] of e.nearMisses.entries()) lines.push([i === 0 ? 'near misses' : '', `${m.route}${m.rule ? `  [${m.rule}]` : ''}: ${m.failed} — not met`]);
  const width = Math.max(...lines.map(([k]) => k.length)) + 2;
  return lines.map(([k, v]) => `${k.padEnd(width)}${v}`).join('\n') + '\n';
}

/** The fields in the order a request meets them (optional ones were added to the object last). */
function inReadingOrder(e: Explanation): Explanation {
  const { gateway, request, listener, filterChain, serverName, routeConfig, virtualHost, domain, route, rule, status, outcome, reason, redirect, backends, filters, nearMisses } = e;
  return {
    gateway,
    request,
    listener,
    filterChain,
    ...(serverName === undefined ? {} : { serverName }),
    routeConfig,
    virtualHost,
    ...(domain === undefined ? {} : { domain }),
    route,
    rule,
    status,
    outcome,
    reason,
    redirect,
    backends,
    filters,
    nearMisses,
  };
}
