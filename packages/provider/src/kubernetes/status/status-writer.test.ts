import type { KubeObject } from '@portico/resources';
import { createTokenBucket } from './rate-limit.js';
import type { StatusApi, StatusObjectRef } from './status-api.js';
import { createStatusWriterWithApi, type StatusWriterCoreOptions } from './status-writer.js';
import type { DesiredStatus, KubernetesLogger } from '../types.js';
import { OWNED_CONDITION_TYPES } from './owned-conditions.test-util.js';

const OURS = 'portico.dev/gateway-controller';
const THEIRS = 'example.com/other';

/** An error shaped like client-node's ApiException. */
function apiError(code: number, reason: string, name?: string) {
  return Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify({ kind: 'Status', reason, message: `${reason}!`, details: name ? { name } : {} }) });
}

/** An in-memory API server: resourceVersion compare-and-swap, 404s, and hooks for failures and latency. */
function fakeApi() {
  const objects = new Map<string, KubeObject>();
  let version = 0;
  const keyOf = (ref: StatusObjectRef) => `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
  const calls = { reads: 0, writes: [] as { key: string; status: unknown }[], inFlight: 0, maxInFlight: 0 };
  const hooks = {
    /** Runs before a PUT is applied; may throw or change the store (a concurrent writer). */
    beforeWrite: undefined as undefined | ((key: string) => void | Promise<void>),
  };
  const api: StatusApi = {
    async read(ref) {
      calls.reads++;
      const object = objects.get(keyOf(ref));
      return object && structuredClone(object);
    },
    async replaceStatus(object) {
      const key = keyOf({ kind: object.kind as DesiredStatus['kind'], namespace: object.metadata.namespace, name: object.metadata.name });
      calls.inFlight++;
      calls.maxInFlight = Math.max(calls.maxInFlight, calls.inFlight);
      try {
        await hooks.beforeWrite?.(key);
        const stored = objects.get(key);
        if (!stored) throw apiError(404, 'NotFound', object.metadata.name);
        if (stored.metadata.resourceVersion !== object.metadata.resourceVersion) throw apiError(409, 'Conflict');
        calls.writes.push({ key, status: structuredClone(object.status) });
        const next = { ...stored, status: structuredClone(object.status), metadata: { ...stored.metadata, resourceVersion: String(++version) } };
        objects.set(key, next);
        return structuredClone(next);
      } finally {
        calls.inFlight--;
      }
    },
  };
  return {
    api,
    calls,
    hooks,
    put(kind: DesiredStatus['kind'], namespace: string | undefined, name: string, status?: unknown) {
      const object: KubeObject = { apiVersion: 'gateway.networking.k8s.io/v1', kind, metadata: { name, namespace, resourceVersion: String(++version) }, status };
      objects.set(keyOf({ kind, namespace, name }), object);
      return object;
    },
    get: (kind: DesiredStatus['kind'], namespace: string | undefined, name: string) => objects.get(keyOf({ kind, namespace, name })),
    delete: (kind: DesiredStatus['kind'], namespace: string | undefined, name: string) => objects.delete(keyOf({ kind, namespace, name })),
  };
}

function condition(status: 'True' | 'False', time: string, message = 'ok') {
  return { type: 'Accepted', status, reason: status === 'True' ? 'Accepted' : 'NotAllowed', message, observedGeneration: 1, lastTransitionTime: time };
}

function routeStatus(name: string, gateway: string, time: string, status: 'True' | 'False' = 'True', message = 'ok'): DesiredStatus {
  return {
    kind: 'HTTPRoute',
    namespace: 'apps',
    name,
    status: { parents: [{ parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: gateway }, controllerName: OURS, conditions: [condition(status, time, message)] }] },
  };
}

function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  const logger: KubernetesLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

function writer(api: StatusApi, options: Partial<StatusWriterCoreOptions> = {}) {
  return createStatusWriterWithApi(api, { controllerName: OURS, ownedConditionTypes: OWNED_CONDITION_TYPES, conflictBackoffMs: 1, retryBaseMs: 20, retryMaxMs: 100, ...options });
}

/** A gate that holds calls until opened. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

describe('createStatusWriter (fake API)', () => {
  it('writes only what changed; the same statuses at a later translation time write nothing', async () => {
    const fake = fakeApi();
    for (const name of ['a', 'b', 'c']) fake.put('HTTPRoute', 'apps', name);
    const w = writer(fake.api);
    w.update(['a', 'b', 'c'].map((name) => routeStatus(name, 'gw', 'T1')));
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 3, reads: 3, unchanged: 0, failures: 0 });
    w.update(['a', 'b', 'c'].map((name) => routeStatus(name, 'gw', 'T2')));
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 3, unchanged: 3 });
    w.update([routeStatus('a', 'gw', 'T3', 'False', 'changed'), routeStatus('b', 'gw', 'T3'), routeStatus('c', 'gw', 'T3')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 4, unchanged: 5 });
    expect((fake.get('HTTPRoute', 'apps', 'a')!.status as any).parents[0].conditions[0]).toMatchObject({ status: 'False', lastTransitionTime: 'T3' });
    expect((fake.get('HTTPRoute', 'apps', 'b')!.status as any).parents[0].conditions[0].lastTransitionTime).toBe('T1');
    await w.stop();
  });

  it('coalesces: a newer desired status replaces queued work, and is never overwritten by an older one', async () => {
    const fake = fakeApi();
    fake.put('HTTPRoute', 'apps', 'r');
    const held = gate();
    fake.hooks.beforeWrite = () => held.wait();
    const w = writer(fake.api);
    w.update([routeStatus('r', 'gw', 'T1', 'True', 'v1')]);
    await new Promise((resolve) => setImmediate(resolve));
    w.update([routeStatus('r', 'gw', 'T2', 'True', 'v2')]);
    w.update([routeStatus('r', 'gw', 'T3', 'True', 'v3')]);
    held.open();
    await w.idle();
    expect(fake.calls.writes.map((write) => (write.status as any).parents[0].conditions[0].message)).toEqual(['v1', 'v3']);
    expect(w.figures()).toMatchObject({ writes: 2, coalesced: 1 });
    await w.stop();
  });

  it('keeps at most maxInFlight writes in flight, one per object', async () => {
    const fake = fakeApi();
    for (let i = 0; i < 20; i++) fake.put('HTTPRoute', 'apps', `r${i}`);
    fake.hooks.beforeWrite = () => new Promise((resolve) => setTimeout(resolve, 5));
    const w = writer(fake.api, { maxInFlight: 3 });
    w.update(Array.from({ length: 20 }, (_, i) => routeStatus(`r${i}`, 'gw', 'T1')));
    await w.idle();
    expect(fake.calls.writes).toHaveLength(20);
    expect(fake.calls.maxInFlight).toBe(3);
    await w.stop();
  });

  it('on a conflict re-reads and merges, keeping the concurrent writer’s entry', async () => {
    const fake = fakeApi();
    fake.put('HTTPRoute', 'apps', 'r', { parents: [] });
    let interfered = false;
    fake.hooks.beforeWrite = (key) => {
      if (interfered) return;
      interfered = true;
      const theirs = { parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'other' }, controllerName: THEIRS, conditions: [] };
      fake.put('HTTPRoute', 'apps', key.split('/')[2]!, { parents: [theirs] });
    };
    const w = writer(fake.api);
    w.update([routeStatus('r', 'gw', 'T1')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ conflicts: 1, writes: 2, failures: 0 });
    expect((fake.get('HTTPRoute', 'apps', 'r')!.status as any).parents.map((p: any) => p.controllerName)).toEqual([THEIRS, OURS]);
    await w.stop();
  });

  it('gives up a conflicting object after the bounded attempts, then retries it later with backoff', async () => {
    const fake = fakeApi();
    fake.put('HTTPRoute', 'apps', 'r');
    let conflictsLeft = 4;
    fake.hooks.beforeWrite = () => {
      if (conflictsLeft-- > 0) fake.put('HTTPRoute', 'apps', 'r');
    };
    const { logger, lines } = recordingLogger();
    const w = writer(fake.api, { conflictAttempts: 3, logger });
    w.update([routeStatus('r', 'gw', 'T1')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ conflicts: 3, failures: 1 });
    expect(lines.find((l) => l.level === 'warn')?.fields).toMatchObject({ kind: 'HTTPRoute', namespace: 'apps', name: 'r', code: 409, retryInMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    await w.idle();
    expect(w.figures()).toMatchObject({ conflicts: 4, failures: 1 });
    expect(fake.calls.writes).toHaveLength(1);
    await w.stop();
  });

  it('drops an object that is gone quietly (notFound), before or during the write', async () => {
    const fake = fakeApi();
    fake.put('HTTPRoute', 'apps', 'deleted-during');
    fake.hooks.beforeWrite = (key) => void fake.delete('HTTPRoute', 'apps', key.split('/')[2]!);
    const { logger, lines } = recordingLogger();
    const w = writer(fake.api, { logger });
    w.update([routeStatus('never-existed', 'gw', 'T1'), routeStatus('deleted-during', 'gw', 'T1')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ notFound: 2, failures: 0, writes: 1 });
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
    await w.stop();
  });

  it('logs other errors without the status, retries later, and never throws out of update', async () => {
    const fake = fakeApi();
    fake.put('Gateway', 'infra', 'gw');
    let failuresLeft = 2;
    fake.hooks.beforeWrite = () => {
      if (failuresLeft-- > 0) throw apiError(500, 'InternalError');
    };
    const { logger, lines } = recordingLogger();
    const w = writer(fake.api, { logger });
    const secretLooking = 'do-not-log-this-message';
    const desired: DesiredStatus = { kind: 'Gateway', namespace: 'infra', name: 'gw', status: { conditions: [condition('True', 'T1', secretLooking)] } };
    expect(() => w.update([desired])).not.toThrow();
    await w.idle();
    expect(w.figures().failures).toBe(1);
    const started = Date.now();
    while (fake.calls.writes.length === 0 && Date.now() - started < 2_000) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fake.calls.writes).toHaveLength(1);
    expect(w.figures().failures).toBe(2);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.fields?.['retryInMs'])).toEqual([20, 40]);
    expect(JSON.stringify(lines)).not.toContain(secretLooking);
    expect(warnings[0]!.fields).toMatchObject({ code: 500, reason: 'InternalError', error: 'InternalError!' });
    await w.stop();
  });

  it('a newer desired status supersedes a scheduled retry', async () => {
    const fake = fakeApi();
    fake.put('HTTPRoute', 'apps', 'r');
    let fail = true;
    fake.hooks.beforeWrite = () => {
      if (fail) throw apiError(503, 'ServiceUnavailable');
    };
    const w = writer(fake.api, { retryBaseMs: 10_000 });
    w.update([routeStatus('r', 'gw', 'T1', 'True', 'old')]);
    await w.idle();
    fail = false;
    w.update([routeStatus('r', 'gw', 'T2', 'True', 'new')]);
    await w.idle();
    expect(fake.calls.writes.map((write) => (write.status as any).parents[0].conditions[0].message)).toEqual(['new']);
    await w.stop();
  });

  it('withdraws our entries from routes that leave the desired set, and leaves other kinds alone', async () => {
    const fake = fakeApi();
    const theirs = { parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'infra', name: 'x' }, controllerName: THEIRS, conditions: [] };
    fake.put('HTTPRoute', 'apps', 'r', { parents: [theirs] });
    fake.put('Gateway', 'infra', 'gw');
    const w = writer(fake.api);
    const gateway: DesiredStatus = { kind: 'Gateway', namespace: 'infra', name: 'gw', status: { conditions: [condition('True', 'T1')] } };
    w.update([routeStatus('r', 'gw', 'T1'), gateway]);
    await w.idle();
    expect((fake.get('HTTPRoute', 'apps', 'r')!.status as any).parents).toHaveLength(2);
    w.update([]);
    await w.idle();
    expect((fake.get('HTTPRoute', 'apps', 'r')!.status as any).parents).toEqual([theirs]);
    expect((fake.get('Gateway', 'infra', 'gw')!.status as any).conditions).toHaveLength(1);
    w.update([]);
    await w.idle();
    expect(w.figures()).toMatchObject({ writes: 3 });
    await w.stop();
  });

  it('reads nothing when the cache has the object, and trusts its own write over a cache that has not caught up', async () => {
    const fake = fakeApi();
    const stale = fake.put('HTTPRoute', 'apps', 'r');
    const w = writer(fake.api, { currentObject: () => structuredClone(stale) });
    w.update([routeStatus('r', 'gw', 'T1')]);
    await w.idle();
    w.update([routeStatus('r', 'gw', 'T2')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ reads: 0, writes: 1, unchanged: 1, conflicts: 0 });
    await w.stop();
  });

  it('re-reads an Ingress before writing it (its status write keeps the metadata sent), but not to find it unchanged', async () => {
    const fake = fakeApi();
    const full = fake.put('Ingress', 'apps', 'web', { loadBalancer: {} });
    const cached = { ...structuredClone(full), metadata: { name: 'web', namespace: 'apps', resourceVersion: full.metadata.resourceVersion } };
    const w = writer(fake.api, { currentObject: () => cached });
    const desired = (ip: string): DesiredStatus => ({ kind: 'Ingress', namespace: 'apps', name: 'web', status: { loadBalancer: { ingress: [{ ip }] } } });
    w.update([{ ...desired('10.0.0.1'), status: { loadBalancer: { ingress: [] } } }]);
    await w.idle();
    expect(w.figures()).toMatchObject({ reads: 0, writes: 0, unchanged: 1 });
    w.update([desired('10.0.0.1')]);
    await w.idle();
    expect(w.figures()).toMatchObject({ reads: 1, writes: 1 });
    expect(fake.get('Ingress', 'apps', 'web')!.status).toEqual(desired('10.0.0.1').status);
    await w.stop();
  });

  it('paces requests with the token bucket', async () => {
    const fake = fakeApi();
    for (let i = 0; i < 25; i++) fake.put('HTTPRoute', 'apps', `r${i}`);
    const cache = (kind: DesiredStatus['kind'], namespace: string | undefined, name: string) => fake.get(kind, namespace, name);
    const w = writer(fake.api, { currentObject: cache, bucket: createTokenBucket({ qps: 100, burst: 5 }) });
    const started = performance.now();
    w.update(Array.from({ length: 25 }, (_, i) => routeStatus(`r${i}`, 'gw', 'T1')));
    await w.idle();
    // 5 at once, then 20 more at 100 per second: at least 200 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(w.figures().writes).toBe(25);
    await w.stop();
  });

  it('stop() drops the queue and sends nothing more', async () => {
    const fake = fakeApi();
    for (let i = 0; i < 10; i++) fake.put('HTTPRoute', 'apps', `r${i}`);
    const held = gate();
    fake.hooks.beforeWrite = () => held.wait();
    const w = writer(fake.api, { maxInFlight: 1 });
    w.update(Array.from({ length: 10 }, (_, i) => routeStatus(`r${i}`, 'gw', 'T1')));
    await new Promise((resolve) => setImmediate(resolve));
    const stopping = w.stop();
    held.open();
    await stopping;
    await w.idle();
    expect(fake.calls.writes).toHaveLength(1);
    w.update([routeStatus('r1', 'gw', 'T2')]);
    await w.idle();
    expect(fake.calls.writes).toHaveLength(1);
  });
});
