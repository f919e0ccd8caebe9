/**
 * One object's status write: read (the cache first), merge (status-merge.ts), PUT with the read
 * resourceVersion; on 409 Conflict re-read, re-merge and try again (bounded, with backoff), because
 * another writer changed the object since we read it and its change must survive ours; on 404 re-read
 * once, since the object may have been recreated or our cached apiVersion may not be served.
 *
 * An Ingress is re-read before it is written: its `/status` strategy (pkg/registry/networking/ingress)
 * resets only `spec`, so the metadata we send is stored, and the provider's cache drops some of it
 * (managedFields, kubectl's last-applied annotation). Custom resources take only `status` from a
 * status write (apiextensions' statusStrategy), so for them the cached object is enough.
 */
import type { KubeObject } from '@portico/resources';
import { describeApiError } from '../kube-api-call.js';
import type { StatusApi } from './status-api.js';
import { mergeStatus } from './status-merge.js';
import type { DesiredStatus, OwnedConditionTypes, StatusWriteFigures } from '../types.js';

export interface WriteObjectContext {
  api: StatusApi;
  controllerName: string;
  ownedConditionTypes: OwnedConditionTypes;
  figures: StatusWriteFigures;
  /** Waits for a request token (rate limit). */
  takeToken(): Promise<void>;
  /** The object as cached, if any (may be stale). */
  cached(desired: DesiredStatus): KubeObject | undefined;
  /** Told of every object we stored, with the resourceVersion it had before our write. */
  stored(desired: DesiredStatus, before: string | undefined, object: KubeObject): void;
  /** True once the writer stopped: no further request is sent. */
  stopped(): boolean;
  conflictAttempts: number;
  conflictBackoffMs: number;
  sleep(ms: number): Promise<void>;
}

export type WriteObjectOutcome = 'written' | 'unchanged' | 'notFound' | 'stopped';

/** Thrown when the conflict retries ran out; the writer retries the object later. */
export class StatusConflictError extends Error {
  constructor(attempts: number) {
    super(`still conflicting after ${attempts} attempts`);
  }
}

export async function writeObjectStatus(context: WriteObjectContext, desired: DesiredStatus): Promise<WriteObjectOutcome> {
  const { api, figures } = context;
  const ref = { kind: desired.kind, namespace: desired.namespace, name: desired.name };
  const readFresh = async (apiVersion?: string) => {
    await context.takeToken();
    figures.reads++;
    return api.read(ref, apiVersion);
  };

  const cached = context.cached(desired);
  let object = cached ?? (context.stopped() ? undefined : await readFresh());
  let fresh = !cached;
  let notFoundRereads = 0;
  let conflicts = 0;
  for (;;) {
    if (context.stopped()) return 'stopped';
    if (!object) {
      figures.notFound++;
      return 'notFound';
    }
    const merge = mergeStatus({
      kind: desired.kind,
      namespace: desired.namespace,
      controllerName: context.controllerName,
      ownedConditionTypes: context.ownedConditionTypes,
      current: object.status,
      desired: desired.status,
    });
    if (!merge.changed) {
      figures.unchanged++;
      return 'unchanged';
    }
    if (!fresh && desired.kind === 'Ingress') {
      object = await readFresh(object.apiVersion);
      fresh = true;
      continue;
    }
    await context.takeToken();
    if (context.stopped()) return 'stopped';
    figures.writes++;
    try {
      const stored = await api.replaceStatus({ ...object, status: merge.status });
      context.stored(desired, object.metadata.resourceVersion, stored);
      return 'written';
    } catch (error) {
      const { code } = describeApiError(error);
      if (code === 409) {
        figures.conflicts++;
        conflicts++;
        if (conflicts >= context.conflictAttempts) throw new StatusConflictError(conflicts);
        await context.sleep(context.conflictBackoffMs * 2 ** (conflicts - 1) * (0.5 + Math.random()));
        if (context.stopped()) return 'stopped';
        object = await readFresh(object.apiVersion);
        fresh = true;
        continue;
      }
      if (code === 404 && notFoundRereads === 0) {
        notFoundRereads++;
        object = await readFresh();
        fresh = true;
        continue;
      }
      if (code === 404) {
        figures.notFound++;
        return 'notFound';
      }
      throw error;
    }
  }
}
