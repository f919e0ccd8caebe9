/**
 * `server-alias` (ingress-nginx docs, "Server Alias"): more names for the server of the Ingress's
 * host, comma-separated; the alias gets the same configuration (every path any Ingress has on that
 * host), and "a server-alias name cannot conflict with the hostname of an existing server. If it does,
 * the server-alias annotation will be ignored" — reported here. Only plain DNS names are taken (no
 * wildcards, no regular expressions); another value is reported. The aliases are attached in
 * server-alias-hosts.ts.
 */
import { ingressHostProblem } from '../../ingress-validation.js';
import type { AnnotationFamily } from '../ingress-annotations.js';

export const serverAliasFamily: AnnotationFamily = {
  names: ['server-alias'],
  parse(values, out, report) {
    const v = values.get('server-alias');
    if (!v) return;
    const aliases: string[] = [];
    for (const alias of v.value.split(',').map((a) => a.trim()).filter((a) => a !== '')) {
      const problem = alias.startsWith('*') || alias.startsWith('~') ? 'wildcard and regular-expression aliases are not supported' : ingressHostProblem(alias);
      if (problem) report(v, `names ${JSON.stringify(alias)}: ${problem}; that alias is not served`);
      else if (!aliases.includes(alias)) aliases.push(alias);
    }
    if (aliases.length > 0) out.serverAliases = aliases;
  },
};
