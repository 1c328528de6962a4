/**
 * What `kordon serve` answers to, and what it reads: the page holds a cluster's objects, so a page on another origin
 * must not reach it through DNS rebinding, and a link in a served folder must not lead out of it.
 */
import { realpath } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { sep } from 'node:path';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** True for an address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/**
 * The Host header values a browser sends for this server: the loopback names, the name it was bound to, and for a
 * wildcard bind this machine's name and addresses, each with the port. Anything else is another origin's page that has
 * rebound its name to this address.
 */
export function allowedHosts(boundHost: string, port: number): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  const bracket = (h: string): string => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);
  if (!isWildcard(boundHost)) names.add(bracket(boundHost.toLowerCase()));
  else {
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(bracket(a.address.toLowerCase()));
  }
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`);
    if (port === 80) out.add(n);
  }
  return out;
}

/** Is the Host header one of these? */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  return header !== undefined && allowed.has(header.trim().toLowerCase());
}

/** A warning to print when the bind offers the page beyond this machine. */
export function exposureWarning(host: string): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  return `listening on ${host}: the cluster's objects (every manifest served) are now offered to the network, to anyone who can reach this address; use --host 127.0.0.1 to keep them on this machine`;
}

/** Where a path really is (links followed), or undefined when it cannot be resolved. */
export async function realPathOf(p: string): Promise<string | undefined> {
  try {
    return await realpath(p);
  } catch {
    return undefined;
  }
}

/** `inner` is `outer` itself or lies inside it. */
export function within(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
}
