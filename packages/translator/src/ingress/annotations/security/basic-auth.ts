/**
 * `auth-type: basic` with `auth-secret`, `auth-secret-type` and `auth-realm` (ingress-nginx docs,
 * "Authentication"): HTTP basic authentication against an htpasswd file held by a Secret of the
 * Ingress's namespace — under key `auth` (`auth-file`, the default), or one key per user whose value
 * is the hash (`auth-map`). Parsed here; the Secret is read by ingress-security.ts (it needs the
 * translation's resources). Anything that cannot be enforced fails closed with 500, the answer
 * ingress-nginx gives when it cannot run its auth check: never served unprotected.
 * `auth-realm` is accepted and reported: Envoy's basic_auth filter does not send a configurable realm.
 */
import type { AnnotationFamily } from '../ingress-annotations.js';

export type AuthSecretType = 'auth-file' | 'auth-map';

export interface BasicAuthAnnotation {
  /** Secret name (the Ingress's namespace). */
  secret: string;
  secretType: AuthSecretType;
}

const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const basicAuthFamily: AnnotationFamily = {
  names: ['auth-type', 'auth-secret', 'auth-secret-type', 'auth-realm'],
  parse(values, out, report) {
    const type = values.get('auth-type');
    const secret = values.get('auth-secret');
    const secretType = values.get('auth-secret-type');
    const realm = values.get('auth-realm');
    if (!type) {
      // Without auth-type, ingress-nginx enables no auth: the others have no effect (said, not ignored).
      for (const v of [secret, secretType, realm]) if (v) report(v, 'has no effect without auth-type: basic');
      return;
    }
    if (type.value !== 'basic') {
      const why = type.value === 'digest' ? 'is digest authentication, which Portico does not support (Envoy has no digest filter)' : 'is not "basic" or "digest"';
      report(type, `${why}: every path of this Ingress answers 500 rather than be served unprotected`, { status: 500, ...(type.value === 'digest' ? { unsupported: true as const } : {}) });
      return;
    }
    if (!secret) {
      report(type, 'needs auth-secret (the Secret holding the htpasswd file): every path of this Ingress answers 500', { status: 500 });
      return;
    }
    // ingress-nginx also accepts `namespace/name`; a Secret of another namespace is not read here (an
    // Ingress must not be able to use another team's credentials file without a grant).
    if (!SECRET_NAME.test(secret.value)) {
      const why = secret.value.includes('/') ? 'names a Secret of another namespace, which Portico does not read for an Ingress' : 'is not a Secret name';
      report(secret, `${why}: every path of this Ingress answers 500`, { status: 500 });
      return;
    }
    const kind = secretType?.value ?? 'auth-file';
    if (kind !== 'auth-file' && kind !== 'auth-map') {
      report(secretType!, 'is not "auth-file" or "auth-map": every path of this Ingress answers 500', { status: 500 });
      return;
    }
    if (realm) report(realm, 'is not sent: Envoy\'s basic_auth filter answers 401 without a configurable realm', { unsupported: true });
    out.basicAuth = { secret: secret.value, secretType: kind };
  },
};
