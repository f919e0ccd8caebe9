/**
 * Static addresses (`spec.addresses` with a value) of a Gateway whose infrastructure is managed: each
 * one is either among the addresses the infrastructure assigned, refused by it (AddressNotUsable), or
 * still on its way (AddressNotAssigned). gateway_types.go GatewaySpec.Addresses: "If a value is set in
 * the spec and the requested address is invalid or unavailable, the implementation MUST indicate this
 * in an associated entry in GatewayStatus.Conditions."
 */
import { isIPv6 } from 'node:net';
import type { GatewaySpecAddress, GatewayStatusAddress } from '@portico/resources';

/** A requested address the infrastructure could not give the Gateway, and why (with what to do about it). */
export interface UnusableGatewayAddress {
  value: string;
  message: string;
}

/** The Programmed=False condition the static addresses call for; undefined when they are all assigned. */
export interface StaticAddressProblem {
  reason: 'AddressNotUsable' | 'AddressNotAssigned';
  message: string;
}

/**
 * One spelling per address, so that a requested `2001:DB8:0::1` matches the load balancer's `2001:db8::1`
 * and a Hostname matches whatever its case.
 */
export function canonicalAddress(value: string): string {
  if (isIPv6(value)) return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  return value.toLowerCase();
}

/** The values a Gateway asks for (`spec.addresses` with a value), each once, in order. */
export function requestedValues(requested: readonly GatewaySpecAddress[]): string[] {
  return [...new Set(requested.flatMap((a) => (a.value ? [a.value] : [])))];
}

export function staticAddressProblem(
  requested: readonly GatewaySpecAddress[],
  assigned: readonly GatewayStatusAddress[],
  unusable: readonly UnusableGatewayAddress[],
): StaticAddressProblem | undefined {
  const values = requestedValues(requested);
  const refused = new Map(unusable.map((u) => [canonicalAddress(u.value), u.message]));
  const have = new Set(assigned.map((a) => canonicalAddress(a.value)));
  // Only what the Gateway asks for now: the infrastructure may still report on an address just removed.
  const notUsable = values.filter((v) => refused.has(canonicalAddress(v)));
  if (notUsable.length > 0) {
    return { reason: 'AddressNotUsable', message: notUsable.map((v) => `address ${v} cannot be used: ${refused.get(canonicalAddress(v))}`).join('; ') };
  }
  const pending = values.filter((v) => !have.has(canonicalAddress(v)));
  if (pending.length > 0) {
    return { reason: 'AddressNotAssigned', message: `waiting for the infrastructure to assign the requested address${pending.length > 1 ? 'es' : ''} ${pending.join(', ')}` };
  }
  return undefined;
}
