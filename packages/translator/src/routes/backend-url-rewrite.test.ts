/** What of a backendRef URLRewrite can be served (backend-url-rewrite.ts). */
import type { PathModifierIR } from '@portico/ir';
import { settleBackendURLRewrites } from './backend-url-rewrite.js';
import type { BackendRefWithModifiers } from '../backends/destinations.js';

const full = (value: string): PathModifierIR => ({ type: 'ReplaceFullPath', value });
const prefix = (value: string): PathModifierIR => ({ type: 'ReplacePrefixMatch', value });
const ref = (name: string, path?: PathModifierIR, weight?: number): BackendRefWithModifiers => ({
  name,
  port: 80,
  ...(weight === undefined ? {} : { weight }),
  ...(path ? { urlRewrite: { path } } : {}),
});
const failing = (refs: BackendRefWithModifiers[]) => refs.map((r) => r.unservableFilter?.reason);

describe('settleBackendURLRewrites', () => {
  it("makes a single backend's path rewrite the route's", () => {
    const settled = settleBackendURLRewrites([ref('a', prefix('/x'))], undefined, ['PathPrefix']);
    expect(settled.path).toEqual(prefix('/x'));
    expect(failing(settled.refs)).toEqual([undefined]);
  });

  it('shares a rewrite every backend carrying traffic agrees on; a weight-0 backend does not count', () => {
    const settled = settleBackendURLRewrites([ref('a', full('/x')), ref('b', full('/x')), ref('c', full('/other'), 0)], undefined, ['PathPrefix']);
    expect(settled.path).toEqual(full('/x'));
    expect(failing(settled.refs)).toEqual([undefined, undefined, undefined]);
  });

  it('fails closed every backend with a path rewrite when the backends disagree; the others serve unrewritten', () => {
    const settled = settleBackendURLRewrites([ref('a', full('/x')), ref('b'), ref('c', full('/y'))], undefined, ['PathPrefix']);
    expect(settled.path).toBeUndefined();
    expect(failing(settled.refs)).toEqual(['UnsupportedValue', undefined, 'UnsupportedValue']);
  });

  it("refuses a backend path rewrite next to a different rule-level one, and accepts the same one", () => {
    const different = settleBackendURLRewrites([ref('a', full('/x')), ref('b')], full('/rule'), ['PathPrefix']);
    expect(failing(different.refs)).toEqual(['IncompatibleFilters', undefined]);
    expect(different.path).toBeUndefined();
    const same = settleBackendURLRewrites([ref('a', full('/rule'))], full('/rule'), ['PathPrefix']);
    expect(failing(same.refs)).toEqual([undefined]);
    expect(same.path).toEqual(full('/rule'));
  });

  it('refuses ReplacePrefixMatch on a rule with a match that is not a PathPrefix', () => {
    const settled = settleBackendURLRewrites([ref('a', prefix('/x'))], undefined, ['PathPrefix', 'Exact']);
    expect(failing(settled.refs)).toEqual(['UnsupportedValue']);
    expect(settled.refs[0]!.unservableFilter?.message).toContain('ReplacePrefixMatch needs a PathPrefix match');
  });

  it('leaves a backend that already fails closed alone and does not let it decide the shared rewrite', () => {
    const broken: BackendRefWithModifiers = { ...ref('a', full('/x')), unservableFilter: { reason: 'InvalidKind', message: 'extensionRef' } };
    const settled = settleBackendURLRewrites([broken, ref('b', full('/y'))], undefined, ['PathPrefix']);
    expect(failing(settled.refs)).toEqual(['InvalidKind', undefined]);
    expect(settled.path).toEqual(full('/y'));
  });
});
