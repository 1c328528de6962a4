/**
 * CIDR checks of `ipBlock`, as the API server makes them for this legacy field: values that Go's
 * sloppy parser accepts are valid (leading zeros, host bits set, IPv4-mapped IPv6), and each of those
 * forms earns a warning, since other software reads them differently.
 */
import { cidrContains, formatCidr, hasHostBits, isIPv4MappedText, parseCidr, writtenPrefix, type Cidr } from '../net/index.js';
import type { DiagnosticCode } from '../diagnostics.js';

export interface CidrReading {
  cidr: Cidr;
  /** Warnings about the way it is written, with the canonical form to use. */
  warnings: { code: DiagnosticCode; message: string; hint: string }[];
}

/** Parses a CIDR the way the API server accepts it; undefined when it rejects it. */
export function readCidr(text: string): CidrReading | undefined {
  // Go's parser takes no whitespace, no zone, and needs a prefix length.
  if (/\s|%/.test(text) || !text.includes('/')) return undefined;
  const cidr = parseCidr(text);
  if (!cidr) return undefined;
  const warnings: CidrReading['warnings'] = [];
  const canonical = formatCidr(cidr);
  const [addr = '', prefix = ''] = text.split('/');
  const v4part = addr.includes(':') ? (addr.slice(addr.lastIndexOf(':') + 1).includes('.') ? addr.slice(addr.lastIndexOf(':') + 1) : '') : addr;
  const leadingZeros = v4part.split('.').some((o) => /^0[0-9]/.test(o)) || /^0[0-9]/.test(prefix);
  const mapped = isIPv4MappedText(text);
  if (hasHostBits(cidr)) {
    warnings.push({
      code: 'cidr-host-bits',
      message: `CIDR value ${JSON.stringify(text)} has bits set beyond the prefix length: it means ${canonical}`,
      hint: `write ${canonical}; for the single address write ${addr}/${cidr.family === 4 ? 32 : 128}`,
    });
  }
  if (leadingZeros) {
    warnings.push({
      code: 'cidr-leading-zeros',
      message: `non-standard CIDR value ${JSON.stringify(text)}: Kubernetes reads leading zeros as decimal, many tools read them as octal, and future Kubernetes releases reject them`,
      hint: `write ${canonical}`,
    });
  } else if (mapped) {
    warnings.push({
      code: 'cidr-ipv4-mapped',
      message: `non-standard CIDR value ${JSON.stringify(text)}: an IPv4-mapped IPv6 address, which future Kubernetes releases reject`,
      hint: 'write the IPv4 block itself',
    });
  } else if (warnings.length === 0 && cidr.family === 6 && text !== canonical) {
    warnings.push({
      code: 'cidr-not-canonical',
      message: `IPv6 CIDR value ${JSON.stringify(text)} should be in RFC 5952 canonical format (${canonical})`,
      hint: `write ${canonical}`,
    });
  }
  return { cidr, warnings };
}

/**
 * `except` is a strict subset of `cidr` as the API server checks it: the cidr contains the except's network address
 * (an IPv4-mapped one read as IPv4, as Go's IPNet.Contains does), and the except's prefix, as written, is longer.
 */
export function isStrictSubset(except: Cidr, cidr: Cidr): boolean {
  return writtenPrefix(except) > writtenPrefix(cidr) && cidrContains(cidr, { family: except.family, value: except.start });
}
