/**
 * The Kubernetes CEL library functions the Gateway API CRD rules call, registered on @bufbuild/cel: the
 * cel-go `strings` extension (`split`, `substring`, `lowerAscii`, …, which @bufbuild/cel ships), and from
 * k8s.io/apiserver/pkg/cel/library `isIP`, `isCIDR` (ip.go, cidr.go) and the named formats of format.go
 * (`format.dns1123Subdomain().validate(s).hasValue()`). Standard CEL (`has`, `size`, `matches` with RE2
 * syntax, `all`/`exists`/`exists_one`/`filter`, `startsWith`, `duration`, …) is @bufbuild/cel's own.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { celFunc, celMethod, CelScalar, listType, type CelFunc, type CelList } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { NAMED_FORMATS } from './kubernetes-formats.js';

const { BOOL, STRING, DYN } = CelScalar;

/**
 * `ip.go` parseIPAddr: Go's netip.ParseAddr, without zones (`fe80::1%eth0`) and without IPv4-mapped IPv6
 * addresses (`::ffff:1.2.3.4`). Node's parser, like netip, refuses IPv4 octets with leading zeros.
 */
export function isKubernetesIP(text: string): boolean {
  if (isIPv4(text)) return true;
  if (!isIPv6(text) || text.includes('%')) return false;
  return !isIPv4Mapped(text);
}

/** `cidr.go` parseCIDR: netip.ParsePrefix (an address, `/`, a decimal prefix length in range), no IPv4-mapped IPv6. */
export function isKubernetesCIDR(text: string): boolean {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return false;
  const address = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  // netip refuses a sign, leading zeros ("/08") and an empty length.
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bits)) return false;
  const length = Number(bits);
  if (isIPv4(address)) return length <= 32;
  if (!isIPv6(address) || address.includes('%') || isIPv4Mapped(address)) return false;
  return length <= 128;
}

/** `::ffff:a.b.c.d` or `::ffff:xxxx:xxxx` (any spelling: the first 80 bits zero, the next 16 ones). */
function isIPv4Mapped(ipv6: string): boolean {
  const groups = expandIPv6(ipv6);
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded dotted IPv4 tail counts as two). */
function expandIPv6(ipv6: string): number[] {
  let text = ipv6.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * A `kubernetes.NamedFormat` value. @bufbuild/cel has no user-defined value types, so a format is the
 * string `kubernetes.NamedFormat:<name>`; `validate` refuses any other string, so a plain string never
 * acts as a format.
 */
const FORMAT_PREFIX = 'kubernetes.NamedFormat:';

/**
 * An `optional(list(string))` as `validate` returns it. @bufbuild/cel 0.6 has no optional type: an
 * optional is a list of zero (none) or one (of(value)) elements, and `hasValue()` / `value()` read it.
 * The API server's type checker would refuse `[].hasValue()`, which this accepts; no CRD rule does that,
 * and only CRD rules are ever evaluated.
 */
const optionalOf = (value: string[]): string[][] => [value];
const OPTIONAL_NONE: string[][] = [];

function validateFormat(this: string, text: string) {
  const name = this.startsWith(FORMAT_PREFIX) ? this.slice(FORMAT_PREFIX.length) : undefined;
  const validate = name === undefined ? undefined : NAMED_FORMATS[name];
  // A throw inside a function becomes the expression's CEL error.
  if (!validate) throw new Error(`no such overload: ${JSON.stringify(this)}.validate(string)`);
  const errors = validate(text);
  return errors.length > 0 ? optionalOf(errors) : OPTIONAL_NONE;
}

function optionalValue(this: CelList) {
  const value = this.get(0);
  if (this.size !== 1 || value === undefined) throw new Error('optional.none() dereference');
  return value;
}

/** Every function a Gateway API CRD rule may call besides standard CEL (see the module comment). */
export const KUBERNETES_CEL_FUNCTIONS: readonly CelFunc[] = [
  ...strings,
  celFunc('isIP', [STRING], BOOL, isKubernetesIP),
  celFunc('isCIDR', [STRING], BOOL, isKubernetesCIDR),
  ...Object.keys(NAMED_FORMATS).map((name) => celFunc(`format.${name}`, [], STRING, () => `${FORMAT_PREFIX}${name}`)),
  celMethod('validate', STRING, [STRING], listType(listType(STRING)), validateFormat),
  celMethod('hasValue', listType(DYN), [], BOOL, function (this: CelList) {
    return this.size === 1;
  }),
  celMethod('value', listType(DYN), [], DYN, optionalValue),
];
