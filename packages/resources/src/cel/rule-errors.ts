/**
 * The API server's words for a failed CEL rule: k8s.io/apimachinery pkg/util/validation/field
 * `Error.ErrorBody()` of the error that apiextensions-apiserver's cel/validation.go fieldErrorForReason
 * builds, without the field path (the loader puts the path in front, as `field.Error.Error()` does).
 */

/** One entry of `x-kubernetes-validations` (apiextensions/v1 ValidationRule), as the schema file keeps it. */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** JSON path below the rule's node that the error names, e.g. `.spec.replicas` or `['a.b']`. */
  fieldPath?: string;
  /** FieldValueInvalid (the default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate. */
  reason?: string;
  optionalOldSelf?: boolean;
}

/**
 * `Invalid value: <value>: <detail>`; `value` undefined is the API server's OmitValueType (objects and
 * arrays), printed as `Invalid value: <detail>`.
 */
export function invalidValueBody(value: unknown, detail: string): string {
  return `${withValue('Invalid value', value)}: ${detail}`;
}

/** fieldErrorForReason's error, as ErrorBody prints it. */
export function formatFieldError(reason: string | undefined, value: unknown, detail: string): string {
  switch (reason) {
    case 'FieldValueForbidden':
      return `Forbidden: ${detail}`;
    case 'FieldValueRequired':
      return `Required value: ${detail}`;
    case 'FieldValueDuplicate':
      // field.Duplicate(path, value) carries no detail.
      return withValue('Duplicate value', value);
    default:
      return invalidValueBody(value, detail);
  }
}

/** ErrorBody's value: strings quoted (%q), numbers and booleans as they are (%v), anything else as JSON. */
function withValue(type: string, value: unknown): string {
  if (value === undefined) return type;
  if (typeof value === 'string') return `${type}: ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${type}: ${String(value)}`;
  return `${type}: ${JSON.stringify(value)}`;
}
