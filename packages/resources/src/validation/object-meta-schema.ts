/**
 * JSON schema for `metadata`, shared by every kind. CRD schemas only say `metadata: {type: object}`
 * because the API server checks ObjectMeta itself (apimachinery `ValidateObjectMeta`); this file does
 * the part of that check a file provider needs, so a name kubectl would reject is rejected here too.
 */
import type { SchemaObject } from 'ajv';

const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DNS1035_LABEL = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
/** Qualified name (`prefix/name`), the rule for label and annotation keys. */
const QUALIFIED_NAME =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';

/**
 * Human wording for the patterns above, used in error messages instead of the raw regular expression
 * (wording from apimachinery `validation.go`).
 */
export const PATTERN_HINTS: Readonly<Record<string, string>> = {
  [DNS1123_LABEL]:
    'must be a lowercase RFC 1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)',
  [DNS1123_SUBDOMAIN]:
    'must be a lowercase RFC 1123 subdomain (lowercase letters, digits, "-" and ".", starting and ending with a letter or digit)',
  [DNS1035_LABEL]:
    'must be a lowercase RFC 1035 label (lowercase letters, digits and "-", starting with a letter and ending with a letter or digit)',
  [QUALIFIED_NAME]:
    'must be a qualified name: an optional DNS subdomain prefix and "/", then letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
  [LABEL_VALUE]:
    'must be empty or letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
};

/** Which rule `metadata.name` follows; it depends on the kind (e.g. Service names become DNS labels). */
export type NameRule = 'subdomain' | 'label' | 'rfc1035-label';

const NAME_SCHEMAS: Record<NameRule, SchemaObject> = {
  subdomain: { type: 'string', minLength: 1, maxLength: 253, pattern: DNS1123_SUBDOMAIN },
  label: { type: 'string', minLength: 1, maxLength: 63, pattern: DNS1123_LABEL },
  'rfc1035-label': { type: 'string', minLength: 1, maxLength: 63, pattern: DNS1035_LABEL },
};

const stringMap = (keyPattern: string, value: SchemaObject): SchemaObject => ({
  type: 'object',
  propertyNames: { pattern: keyPattern },
  additionalProperties: value,
});

/** The schema of `metadata` for a kind whose names follow `nameRule`. */
export function objectMetaSchema(nameRule: NameRule): SchemaObject {
  return {
    type: 'object',
    required: ['name'],
    properties: {
      name: NAME_SCHEMAS[nameRule],
      namespace: NAME_SCHEMAS.label,
      uid: { type: 'string' },
      resourceVersion: { type: 'string' },
      generation: { type: 'integer', format: 'int64' },
      creationTimestamp: { type: 'string', format: 'date-time' },
      labels: stringMap(QUALIFIED_NAME, { type: 'string', maxLength: 63, pattern: LABEL_VALUE }),
      annotations: stringMap(QUALIFIED_NAME, { type: 'string' }),
      ownerReferences: {
        type: 'array',
        items: {
          type: 'object',
          required: ['apiVersion', 'kind', 'name', 'uid'],
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            name: { type: 'string' },
            uid: { type: 'string' },
            controller: { type: 'boolean' },
            blockOwnerDeletion: { type: 'boolean' },
          },
        },
      },
    },
  };
}
