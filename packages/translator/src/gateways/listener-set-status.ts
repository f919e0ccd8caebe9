/**
 * ListenerSet status (listenerset_types.go ListenerSetStatus, GEP-1713 "ListenerSet Conditions"):
 * Accepted and Programmed summarise only the set's own listeners, and `status.listeners` lists only
 * them, never the parent Gateway's.
 */
import type { Condition, ListenerSetStatus } from '@portico/resources';
import { conditionFactory } from '../status/conditions.js';
import type { TranslationContext } from '../context.js';
import { listenerStatus, uniqueByName } from './gateway-status.js';
import { isAttached, type ListenerSetState } from './listener-sets.js';
import { isProgrammable } from './listeners.js';

export function listenerSetStatus(ctx: TranslationContext, ls: ListenerSetState): ListenerSetStatus {
  const c = conditionFactory(ls.listenerSet.metadata.generation, ctx.options.now);
  const rejection = ls.notAttached ?? ls.invalid;
  const blocked = rejection ? { reason: rejection.reason, message: rejection.message } : undefined;
  const listeners = uniqueByName(ls.listeners).map((l) => listenerStatus(c, l, blocked, true));

  let accepted: Condition;
  let programmed: Condition;
  const programmable = isAttached(ls) ? ls.listeners.filter(isProgrammable) : [];
  if (rejection) {
    accepted = c('Accepted', false, rejection.reason, rejection.message);
    programmed = c('Programmed', false, rejection.reason, rejection.message);
  } else if (programmable.length === 0) {
    // A listener the set cannot program (conflicted, refused, without a usable certificate) is not
    // valid for it: with none left, the set as a whole is not accepted (ListenerSetReferenceGrant).
    const message = `no listener is valid (${summary(ls)})`;
    accepted = c('Accepted', false, 'ListenersNotValid', message);
    programmed = c('Programmed', false, 'ListenersNotValid', message);
  } else {
    accepted =
      programmable.length < ls.listeners.length
        ? c('Accepted', true, 'ListenersNotValid', `ListenerSet is accepted, but some listeners are not valid (${summary(ls)})`)
        : c('Accepted', true, 'Accepted', `ListenerSet is accepted by Gateway ${ls.gateway.key}`);
    programmed = c('Programmed', true, 'Programmed', 'ListenerSet is programmed');
  }
  return { conditions: [accepted, programmed], listeners };
}

/** "The Condition SHOULD clearly indicate in the Message which Listeners are conflicted, and which are Accepted". */
function summary(ls: ListenerSetState): string {
  const invalid = ls.listeners.filter((l) => !isProgrammable(l)).map((l) => `${l.spec.name} (${problemOf(l)})`);
  const valid = ls.listeners.filter(isProgrammable).map((l) => l.spec.name);
  return `not valid: ${invalid.join(', ')}; valid: ${valid.join(', ') || 'none'}`;
}

function problemOf(l: ListenerSetState['listeners'][number]): string {
  if (l.notAccepted) return l.notAccepted.reason;
  if (l.conflicted) return `conflicted: ${l.conflicted.reason}`;
  if (l.unresolved.length > 0) return l.unresolved[0]!.reason;
  return 'no supported route kind';
}
