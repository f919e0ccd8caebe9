import { re2GroupCount } from '@portico/ir';
import type { Ingress } from '@portico/resources';
import { parseIngressAnnotations } from './registry.js';
import { regexPathMatch, rewriteSubstitution } from './routing/rewrite.js';
import { redirectTo } from './routing/redirects.js';

function ingressWith(annotations: Record<string, string>): Ingress {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'n', annotations }, spec: {} } as Ingress;
}
const N = 'nginx.ingress.kubernetes.io/';

describe('parseIngressAnnotations', () => {
  it('reads nothing from an Ingress without ingress-nginx annotations', () => {
    expect(parseIngressAnnotations(ingressWith({ 'kubernetes.io/ingress.class': 'portico' }))).toEqual({ annotations: { regexPaths: false }, problems: [] });
  });

  it('lets portico.dev/ win over nginx.ingress.kubernetes.io/ for the same name', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}upstream-vhost`]: 'a.internal', 'portico.dev/upstream-vhost': 'b.internal' }));
    expect(annotations.upstreamHost).toBe('b.internal');
    expect(problems).toEqual([]);
  });

  it('reads booleans as Go strconv.ParseBool does, and reports the rest', () => {
    for (const yes of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseIngressAnnotations(ingressWith({ [`${N}use-regex`]: yes })).annotations.regexPaths).toBe(true);
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}use-regex`]: 'yes' }));
    expect(annotations.regexPaths).toBe(false);
    expect(problems).toMatchObject([{ annotation: `${N}use-regex`, reason: 'invalid' }]);
  });

  it('implies regex paths with rewrite-target; force-ssl-redirect wins over ssl-redirect', () => {
    const { annotations } = parseIngressAnnotations(ingressWith({ [`${N}rewrite-target`]: '/$1', [`${N}force-ssl-redirect`]: 'true', [`${N}ssl-redirect`]: 'true' }));
    expect(annotations).toMatchObject({ regexPaths: true, rewriteTarget: '/$1', sslRedirect: 'always' });
  });

  it('fails closed on an unimplemented auth-* (500) or an unusable source range (403), the first one deciding', () => {
    const url = parseIngressAnnotations(ingressWith({ [`${N}auth-signin`]: 'https://login.example.com/start', [`${N}whitelist-source-range`]: 'office' }));
    expect(url.annotations.failClosed).toEqual({ status: 403, reason: `${N}whitelist-source-range cannot be applied` });
    expect(url.problems.map((p) => p.failClosedStatus).sort()).toEqual([403, 500]);
    const digest = parseIngressAnnotations(ingressWith({ [`${N}auth-type`]: 'digest', [`${N}auth-secret`]: 's' }));
    expect(digest.annotations.failClosed?.status).toBe(500);
    expect(digest.problems.map((p) => p.reason)).toEqual(['unsupported']);
  });

  it('reads source ranges (bare addresses as /32 and /128, the newer allowlist name first), basic auth and CORS with ingress-nginx defaults', () => {
    const ranges = parseIngressAnnotations(ingressWith({ [`${N}whitelist-source-range`]: '10.0.0.0/8', [`${N}allowlist-source-range`]: '192.168.0.1, 2001:db8::1', [`${N}denylist-source-range`]: '192.168.0.0/16' }));
    expect(ranges.annotations.ipAccess).toEqual({ allow: ['192.168.0.1/32', '2001:db8::1/128'], deny: ['192.168.0.0/16'] });
    const auth = parseIngressAnnotations(ingressWith({ [`${N}auth-type`]: 'basic', [`${N}auth-secret`]: 's', [`${N}auth-secret-type`]: 'auth-map' }));
    expect(auth).toEqual({ annotations: { regexPaths: false, basicAuth: { secret: 's', secretType: 'auth-map' } }, problems: [] });
    const cors = parseIngressAnnotations(ingressWith({ [`${N}enable-cors`]: 'true' }));
    expect(cors.annotations.cors).toEqual({
      allowOrigins: ['*'],
      allowMethods: ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'],
      allowHeaders: ['DNT', 'Keep-Alive', 'User-Agent', 'X-Requested-With', 'If-Modified-Since', 'Cache-Control', 'Content-Type', 'Range', 'Authorization'],
      allowCredentials: true,
      maxAgeSeconds: 1728000,
    });
  });

  it('reports unsupported and unknown annotations with an alternative, without closing the Ingress', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}limit-connections`]: '5', [`${N}made-up`]: 'x' }));
    expect(annotations.failClosed).toBeUndefined();
    expect(problems.map((p) => [p.annotation, p.reason])).toEqual([[`${N}limit-connections`, 'unsupported'], [`${N}made-up`, 'unsupported']]);
    expect(problems[0]!.message).toMatch(/no per-client-address limit on concurrent connections/);
    expect(problems[1]!.message).toMatch(/not an annotation Portico knows/);
  });

  it('reads a canary policy; an unparseable canary is an ordinary Ingress; canary rules without canary do nothing', () => {
    const canary = parseIngressAnnotations(ingressWith({ [`${N}canary`]: 'true' }));
    expect(canary).toEqual({ annotations: { regexPaths: false, canary: { weight: 0, weightTotal: 100 } }, problems: [] });
    const odd = parseIngressAnnotations(ingressWith({ [`${N}canary`]: 'maybe', [`${N}canary-weight`]: '10' }));
    expect(odd.annotations.canary).toBeUndefined();
    expect(odd.problems.map((p) => [p.annotation, p.reason])).toEqual([[`${N}canary`, 'invalid'], [`${N}canary-weight`, 'invalid']]);
  });

  it('reads every canary rule as ingress-nginx does: the weight capped at the total, the value over the pattern, a searched pattern', () => {
    const all = parseIngressAnnotations(ingressWith({
      [`${N}canary`]: 'true',
      [`${N}canary-weight`]: '700',
      [`${N}canary-weight-total`]: '500',
      [`${N}canary-by-header`]: 'X-Canary',
      [`${N}canary-by-header-value`]: 'yes',
      [`${N}canary-by-header-pattern`]: '^beta',
      [`${N}canary-by-cookie`]: 'canary',
      [`${N}rewrite-target`]: '/',
    }));
    expect(all.annotations).toEqual({ regexPaths: false, canary: { weight: 500, weightTotal: 500, header: 'x-canary', headerValue: 'yes', cookie: 'canary' } });
    expect(all.problems.map((p) => [p.annotation, p.reason])).toEqual([[`${N}canary-by-header-pattern`, 'invalid'], [`${N}rewrite-target`, 'invalid']]);
    const pattern = parseIngressAnnotations(ingressWith({ [`${N}canary`]: 'true', [`${N}canary-by-header`]: 'x-beta', [`${N}canary-by-header-pattern`]: 'ios|android' }));
    expect(pattern.annotations.canary).toEqual({ weight: 0, weightTotal: 100, header: 'x-beta', headerPattern: '.*(?:ios|android).*' });
    const refused = parseIngressAnnotations(ingressWith({ [`${N}canary`]: 'true', [`${N}canary-by-header`]: 'x-beta', [`${N}canary-by-header-pattern`]: '(?=a)' }));
    expect(refused.annotations.canary).toMatchObject({ headerPatternRefused: true });
    expect(refused.problems).toMatchObject([{ reason: 'unsupported' }]);
    const bad = parseIngressAnnotations(ingressWith({ [`${N}canary`]: 'true', [`${N}canary-weight`]: 'ten', [`${N}canary-weight-total`]: '0', [`${N}canary-by-header`]: 'bad header' }));
    expect(bad.annotations.canary).toEqual({ weight: 0, weightTotal: 100 });
    expect(bad.problems).toHaveLength(3);
  });

  it('takes temporal-redirect over permanent-redirect, and 301 for an invalid code (both reported)', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}permanent-redirect`]: 'https://a.example/', [`${N}permanent-redirect-code`]: '399', [`${N}temporal-redirect`]: 'https://b.example/t' }));
    expect(annotations.redirect).toMatchObject({ hostname: 'b.example', statusCode: 302, path: { type: 'ReplaceFullPath', value: '/t' } });
    expect(problems).toHaveLength(2);
  });

  it('reads backend-protocol case-insensitively; FCGI fails closed, an unknown value falls back to HTTP', () => {
    expect(parseIngressAnnotations(ingressWith({ [`${N}backend-protocol`]: 'grpcs' })).annotations.backendProtocol).toBe('GRPCS');
    expect(parseIngressAnnotations(ingressWith({ [`${N}backend-protocol`]: 'FCGI' })).annotations.failClosed?.status).toBe(500);
    const unknown = parseIngressAnnotations(ingressWith({ [`${N}backend-protocol`]: 'HTTP3' }));
    expect(unknown.annotations).toEqual({ regexPaths: false });
    expect(unknown.problems).toMatchObject([{ reason: 'invalid' }]);
  });

  it('takes the larger of proxy-read-timeout and proxy-send-timeout as the idle timeout, in seconds', () => {
    expect(parseIngressAnnotations(ingressWith({ [`${N}proxy-read-timeout`]: '120', [`${N}proxy-send-timeout`]: '30s' })).annotations.idleTimeoutMs).toBe(120_000);
    for (const bad of ['0', '1m', '-5', '']) {
      const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}proxy-send-timeout`]: bad }));
      expect(annotations.idleTimeoutMs).toBeUndefined();
      expect(problems).toHaveLength(1);
    }
  });

  it('splits server-alias on commas, keeping plain DNS names and reporting the rest', () => {
    const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}server-alias`]: ' a.example.com,b.example.com , *.c.example.com,B AD,a.example.com' }));
    expect(annotations.serverAliases).toEqual(['a.example.com', 'b.example.com']);
    expect(problems).toHaveLength(2);
  });

  it('accepts app-root only as a path other than /', () => {
    expect(parseIngressAnnotations(ingressWith({ [`${N}app-root`]: '/app1' })).annotations.appRoot).toBe('/app1');
    for (const bad of ['/', 'app1', '/a?b=1', 'https://x/']) {
      const { annotations, problems } = parseIngressAnnotations(ingressWith({ [`${N}app-root`]: bad }));
      expect(annotations.appRoot).toBeUndefined();
      expect(problems).toHaveLength(1);
    }
  });
});

describe('rewriteSubstitution', () => {
  it('turns nginx $N into RE2 \\N and escapes a literal backslash', () => {
    expect(rewriteSubstitution('/$2', 2)).toBe('/\\2');
    expect(rewriteSubstitution('/a/$1/b$10', 9)).toBe('/a/\\1/b\\10');
    expect(rewriteSubstitution('/x\\y', 0)).toBe('/x\\\\y');
  });

  it('leaves out a group the path does not have, which nginx makes empty', () => {
    expect(rewriteSubstitution('/$1/$3/end', 2)).toBe('/\\1//end');
    expect(re2GroupCount('/something(/|$)(.*)')).toBe(2);
    expect(re2GroupCount('/(?P<name>a)(?:b)|(c)')).toBe(2);
    expect(re2GroupCount('/plain')).toBe(0);
  });

  it('refuses nginx variables and targets that are not paths', () => {
    expect(rewriteSubstitution('/$host', 9)).toMatchObject({ problem: expect.stringMatching(/nginx variable/) });
    expect(rewriteSubstitution('https://x/', 9)).toMatchObject({ problem: expect.stringMatching(/starting with "\/"/) });
  });
});

describe('regexPathMatch', () => {
  it('is case-insensitive, anchored at the start, and consumes the whole path', () => {
    expect(regexPathMatch('/a|/b')).toEqual({ regex: '(?i)^(?:/a|/b).*' });
  });

  it('reports what RE2 refuses', () => {
    expect(regexPathMatch('/(a)\\1').problem).toMatch(/RE2/);
  });
});

describe('redirectTo', () => {
  it('splits an http(s) URL into the redirect, leaving out a well-known port', () => {
    expect(redirectTo('https://www.example.org/new', 301)).toEqual({ scheme: 'https', hostname: 'www.example.org', path: { type: 'ReplaceFullPath', value: '/new' }, statusCode: 301, stripQuery: true });
    expect(redirectTo('http://a.example:8080', 302)).toMatchObject({ port: 8080, path: { value: '/' } });
  });

  it('refuses what is not an absolute http(s) URL without query', () => {
    for (const bad of ['/relative', 'ftp://x/', 'https://x/?a=1', 'not a url']) expect(typeof redirectTo(bad, 301)).toBe('string');
  });
});
