/**
 * The named formats of the Kubernetes CEL format library (k8s.io/apiserver/pkg/cel/library/format.go)
 * whose checks are apimachinery's DNS name validations (pkg/util/validation/validation.go and
 * pkg/api/validation/generic.go), with their error messages word for word. Each returns the list of
 * errors, empty when the text is valid.
 */

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';

const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN}$`);
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL}$`);

const DNS1123_LABEL_ERROR =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_ERROR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_ERROR =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

/** apimachinery's MaxLenError. */
const maxLenError = (length: number) => `must be no more than ${length} characters`;

/** apimachinery's RegexError. */
function regexError(message: string, format: string, examples: string[]): string {
  return `${message} (e.g. ${examples.map((e) => `'${e}', `).join('or ')}regex used for validation is '${format}')`;
}

/** Go's len(): bytes, not UTF-16 code units. */
const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

export function isDNS1123Label(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push(maxLenError(63));
  if (!DNS1123_LABEL_RE.test(value)) {
    // A valid subdomain that is not a valid label: with the length checked, it must be the dots.
    if (DNS1123_SUBDOMAIN_RE.test(value)) errors.push('must not contain dots');
    else errors.push(regexError(DNS1123_LABEL_ERROR, DNS1123_LABEL, ['my-name', '123-abc']));
  }
  return errors;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 253) errors.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) errors.push(regexError(DNS1123_SUBDOMAIN_ERROR, DNS1123_SUBDOMAIN, ['example.com']));
  return errors;
}

export function isDNS1035Label(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push(maxLenError(63));
  if (!DNS1035_LABEL_RE.test(value)) errors.push(regexError(DNS1035_LABEL_ERROR, DNS1035_LABEL, ['my-name', 'abc-123']));
  return errors;
}

/**
 * generic.go maskTrailingDash: a generateName prefix may end in `-`. (Go replaces the last two bytes by
 * `a`, so `ab-` is checked as `aa`; copied as is.)
 */
const maskTrailingDash = (name: string) => (name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name);

/** format.go ConstantFormats, the DNS ones: `format.<name>()`. */
export const NAMED_FORMATS: Readonly<Record<string, (value: string) => string[]>> = {
  dns1123Label: isDNS1123Label,
  dns1123Subdomain: isDNS1123Subdomain,
  dns1035Label: isDNS1035Label,
  dns1123LabelPrefix: (v) => isDNS1123Label(maskTrailingDash(v)),
  dns1123SubdomainPrefix: (v) => isDNS1123Subdomain(maskTrailingDash(v)),
  dns1035LabelPrefix: (v) => isDNS1035Label(maskTrailingDash(v)),
};
