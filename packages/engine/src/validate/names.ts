/**
 * Name, label and port-name rules of the Kubernetes API (apimachinery `util/validation`).
 * Each `…Errors` function returns the reasons a value is rejected, in the API server's words; an
 * empty list means the value is valid. The `is…` predicates are the same rules as booleans.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const LABEL_NAME_MAX = 63;
export const LABEL_VALUE_MAX = 63;
export const PORT_NAME_MAX = 15;

/** Length as the API server counts it: bytes of the UTF-8 text. */
function byteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

const maxLen = (n: number): string => `must be no more than ${n} bytes`;
const EMPTY = 'must be non-empty';

/** Whether the UTF-8 text is longer than `max` bytes; a UTF-16 unit is one to three bytes, so most need no count. */
function overBytes(value: string, max: number): boolean {
  if (value.length * 3 <= max) return false;
  if (value.length > max) return true;
  return byteLength(value) > max;
}

/** The two checks every name rule makes: a length limit, then a pattern. */
function lengthAndPattern(value: string, max: number, pattern: RegExp, patternError: () => string): string[] {
  const errs: string[] = [];
  if (overBytes(value, max)) errs.push(maxLen(max));
  if (!pattern.test(value)) errs.push(patternError());
  return errs;
}

export function dns1123LabelErrors(value: string): string[] {
  return lengthAndPattern(value, DNS1123_LABEL_MAX, DNS1123_LABEL, () =>
    DNS1123_SUBDOMAIN.test(value)
      ? 'must not contain dots'
      : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name' or '123-abc')",
  );
}

export function dns1123SubdomainErrors(value: string): string[] {
  return lengthAndPattern(
    value,
    DNS1123_SUBDOMAIN_MAX,
    DNS1123_SUBDOMAIN,
    () => "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
  );
}

// Label keys come back in every object (`app`, `app.kubernetes.io/name`): the valid ones are remembered, a bounded few.
const validKeys = new Set<string>();
const VALID_KEYS_MAX = 4096;

/** A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function qualifiedNameErrors(value: string): string[] {
  if (validKeys.has(value)) return [];
  const errs = qualifiedNameCheck(value);
  if (errs.length === 0) {
    if (validKeys.size >= VALID_KEYS_MAX) validKeys.clear();
    validKeys.add(value);
  }
  return errs;
}

function qualifiedNameCheck(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push(`prefix part ${EMPTY}`);
    else for (const m of dns1123SubdomainErrors(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push(`name part ${EMPTY}`);
  else if (overBytes(name, LABEL_NAME_MAX)) errs.push(`name part ${maxLen(LABEL_NAME_MAX)}`);
  if (!LABEL_NAME.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', 'my.name' or '123-abc')",
    );
  }
  return errs;
}

export function labelValueErrors(value: string): string[] {
  return lengthAndPattern(
    value,
    LABEL_VALUE_MAX,
    LABEL_VALUE,
    () => "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', 'my_value' or '12345')",
  );
}

/** An IANA service name (RFC 6335), as a named port: 1–15 of [a-z0-9-], a letter, no '-' at an end, no '--'. */
export function ianaSvcNameErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > PORT_NAME_MAX) errs.push(maxLen(PORT_NAME_MAX));
  if (!/^[-a-z0-9]+$/.test(value)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(value)) errs.push('must contain at least one letter (a-z)');
  if (value.includes('--')) errs.push('must not contain consecutive hyphens');
  if (value.startsWith('-') || value.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/**
 * `metadata.generateName` is checked as a name prefix: a trailing '-' is fine there, because random
 * characters follow it.
 */
export function dns1123SubdomainPrefixErrors(value: string): string[] {
  // The same masking as upstream: the last two characters give way to one letter.
  return dns1123SubdomainErrors(value.length > 1 && value.endsWith('-') ? `${value.slice(0, -2)}a` : value);
}

export const isDns1123Label = (value: string): boolean => dns1123LabelErrors(value).length === 0;
export const isDns1123Subdomain = (value: string): boolean => dns1123SubdomainErrors(value).length === 0;
export const isQualifiedName = (value: string): boolean => qualifiedNameErrors(value).length === 0;
export const isValidLabelValue = (value: string): boolean => labelValueErrors(value).length === 0;
export const isIanaSvcName = (value: string): boolean => ianaSvcNameErrors(value).length === 0;
