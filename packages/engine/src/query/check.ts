import { selectorMatches } from '../labels/selector.js';
import { evaluate } from '../eval/evaluate.js';
import { endpointText, type Endpoint, type Verdict } from '../eval/types.js';
import type { Cluster, Pod, Protocol, Service, ServicePort } from '../model/types.js';
import { clusterModel } from '../model/compiled.js';
import { parsePortProto, resolveNamedPort } from '../ports/ports.js';
import { endpointName, resolveName, type Resolved } from './resolve.js';
import { describeCheckProblem, type CheckProblem } from './problems.js';

export interface CheckRequest {
  /** `ns/pod`, `ns/workload` or an IP address. */
  from: string;
  /** `ns/pod`, `ns/workload`, an IP address, a Service DNS name or ClusterIP. */
  to: string;
  /**
   * `80`, `80/TCP`, or a port name (`http`, `dns/UDP`) resolved on the destination as policies resolve named ports:
   * a container port of each destination pod, or for a Service the port of that name (else the one targeting that
   * container port name). Required unless `to` is a Service (then its first port).
   */
  port?: string;
}

/** One evaluated connection: from one concrete endpoint to another at one port. */
export interface Hop {
  purpose: 'dns' | 'connect';
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  verdict: Verdict;
}

export interface CheckResult {
  verdict: 'allowed' | 'denied';
  /** True when the result depends on which endpoint a Service sends the connection to. */
  partial: boolean;
  /** One sentence a person reads first. */
  summary: string;
  from: string;
  to: string;
  port?: string;
  /** Problems with the request itself (names that do not resolve, a port the Service lacks), in words. */
  problems: string[];
  /** The same problems as data, one per entry of `problems`: branch on `code`, never on the words. */
  issues: CheckProblem[];
  /** Notes worth knowing (assumed DNS pods, stand-in pods made from templates). */
  notes: string[];
  dns?: { needed: boolean; allowed: boolean; hops: Hop[]; assumed: boolean };
  service?: { namespace: string; name: string; port: number; protocol: Protocol; targetPort: number | string; endpoints: string[] };
  hops: Hop[];
}

function denied(req: CheckRequest, summary: string, problem: CheckProblem): CheckResult {
  const r: CheckResult = { verdict: 'denied', partial: false, summary, from: req.from, to: req.to, problems: [describeCheckProblem(problem)], issues: [problem], notes: [], hops: [] };
  if (req.port !== undefined) r.port = req.port;
  return r;
}

function addProblem(r: CheckResult, p: CheckProblem): void {
  r.issues.push(p);
  r.problems.push(describeCheckProblem(p));
}

/** Ends the request on one problem, which is also its summary. */
function stop(r: CheckResult, p: CheckProblem): CheckResult {
  addProblem(r, p);
  r.summary = r.problems[0]!;
  return r;
}

function sourcePods(r: Resolved): Endpoint[] | undefined {
  if (r.kind === 'pod') return [r.address !== undefined ? { kind: 'pod', pod: r.pod, address: r.address } : { kind: 'pod', pod: r.pod }];
  if (r.kind === 'workload') return r.pods.map((pod) => ({ kind: 'pod', pod }));
  if (r.kind === 'ip') return [{ kind: 'ip', ip: r.ip }];
  return undefined;
}

const label = endpointText;

/** Whether a pod is one of the cluster DNS pods (`cluster.dns`: its namespace and labels; `--dns` sets them). */
export function isClusterDnsPod(cluster: Cluster, pod: Pod): boolean {
  return pod.namespace === cluster.dns.namespace && selectorMatches({ matchLabels: cluster.dns.selector, matchExpressions: [] }, pod.labels);
}

/**
 * The cluster DNS pods, or one assumed stand-in (named `coredns (assumed)`, serving dns/UDP and dns-tcp/TCP 53) when
 * the input has none: every command that asks where names are looked up asks this.
 */
export function clusterDnsPods(cluster: Cluster): { pods: Pod[]; assumed: boolean } {
  const pods = cluster.pods.filter((p) => isClusterDnsPod(cluster, p));
  if (pods.length > 0) return { pods, assumed: false };
  const stand: Pod = { namespace: cluster.dns.namespace, name: 'coredns (assumed)', labels: { ...cluster.dns.selector }, ips: [], hostNetwork: false, ready: true, containerPorts: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }], fromTemplate: true };
  return { pods: [stand], assumed: true };
}

/**
 * What `curl` from A to B would meet: name resolution (DNS egress when A is egress-isolated), the Service's endpoints
 * and target ports, and for each, A's egress and B's ingress.
 */
export function checkConnection(cluster: Cluster, req: CheckRequest): CheckResult {
  const fromR = resolveName(cluster, req.from);
  const sources = sourcePods(fromR);
  if (!sources) {
    const p: CheckProblem = fromR.kind === 'unresolved' ? { code: 'source-unresolved', name: req.from, reason: fromR.reason } : { code: 'source-is-service', name: req.from };
    return denied(req, `cannot resolve source ${req.from}: ${fromR.kind === 'unresolved' ? fromR.reason : 'a Service cannot open connections'}`, p);
  }
  if (sources.length === 0) return denied(req, `workload ${req.from} has no pods in the input`, { code: 'workload-without-pods', side: 'from', name: req.from });
  const clientNs = sources[0]!.kind === 'pod' ? sources[0]!.pod.namespace : undefined;
  const toR = resolveName(cluster, req.to, clientNs);
  const notes: string[] = [];
  if (toR.kind === 'unresolved') {
    return denied(req, `${req.to} does not resolve: ${toR.reason}`, { code: 'destination-unresolved', name: req.to, reason: toR.reason });
  }
  const portArg = req.port === undefined ? undefined : parsePortProto(req.port);
  const named = req.port === undefined || portArg ? undefined : parsePortName(req.port);
  if (req.port !== undefined && !portArg && !named) return denied(req, `bad port ${req.port}: write N, N/PROTO or a port name`, { code: 'port-invalid', text: req.port });

  const result: CheckResult = { verdict: 'denied', partial: false, summary: '', from: req.from, to: req.to, problems: [], issues: [], notes, hops: [] };
  if (req.port !== undefined) result.port = req.port;

  let targets: Array<{ ep: Endpoint; port: number; protocol: Protocol } | { ep: Endpoint; missing: CheckProblem }> = [];
  if (toR.kind === 'service') {
    const svc = toR.service;
    // The name is resolved first: that is a DNS query from the client, itself traffic that policies may block.
    if (toR.via === 'dns') {
      const dns = checkDns(cluster, sources);
      result.dns = dns;
      if (dns.assumed) notes.push(`no DNS pods (${cluster.dns.namespace}, ${Object.entries(cluster.dns.selector).map(([k, v]) => `${k}=${v}`).join(',')}) in the input: assumed present with no policies of their own`);
      if (!dns.allowed) {
        const byTier = dns.hops.some((h) => !h.verdict.allowed && !h.verdict.egress.allowed && !h.verdict.egress.isolated);
        result.summary = byTier
          ? `DNS lookup of ${req.to} is blocked: a cluster policy denies ${req.from} UDP 53 to the cluster DNS pods, so the connection is never tried`
          : `DNS lookup of ${req.to} is blocked: ${req.from} is isolated for egress and no rule allows UDP 53 to the cluster DNS pods, so the connection is never tried`;
        return result;
      }
    }
    const sp = named ? namedServicePort(svc, named) : pickServicePort(svc, portArg);
    const service = `${svc.namespace}/${svc.name}`;
    if (!sp) {
      const want = named ? { port: named.name, protocol: named.protocol } : portArg ? { port: portArg.port, protocol: portArg.protocol } : undefined;
      return stop(result, want ? { code: 'service-port-missing', service, ...want } : { code: 'service-without-ports', service });
    }
    const eps = serviceEndpoints(cluster, svc);
    result.service = { namespace: svc.namespace, name: svc.name, port: sp.port, protocol: sp.protocol, targetPort: sp.targetPort, endpoints: eps.map(endpointName) };
    if (!svc.selector) return stop(result, { code: 'service-without-selector', service });
    if (eps.length === 0) return stop(result, { code: 'service-without-endpoints', service });
    targets = eps.map((pod) => {
      const ep: Endpoint = { kind: 'pod', pod };
      if (typeof sp.targetPort === 'number') return { ep, port: sp.targetPort, protocol: sp.protocol };
      const nums = resolveNamedPort(pod, sp.targetPort, sp.protocol);
      return nums.length ? { ep, port: nums[0]!, protocol: sp.protocol } : { ep, missing: { code: 'named-port-missing', endpoint: endpointName(pod), name: sp.targetPort, protocol: sp.protocol } };
    });
  } else {
    if (!portArg && !named) return stop(result, { code: 'port-required' });
    const dests: Endpoint[] = toR.kind === 'pod' ? [toR.address !== undefined ? { kind: 'pod', pod: toR.pod, address: toR.address } : { kind: 'pod', pod: toR.pod }] : toR.kind === 'workload' ? toR.pods.map((pod) => ({ kind: 'pod', pod })) : [{ kind: 'ip', ip: toR.ip }];
    if (dests.length === 0) return stop(result, { code: 'workload-without-pods', side: 'to', name: req.to });
    targets = dests.map((ep) => {
      if (portArg) return { ep, port: portArg.port, protocol: portArg.protocol };
      const n = named!;
      // As a policy's named port: the container port of that name and protocol on the destination pod.
      if (ep.kind !== 'pod') return { ep, missing: { code: 'named-port-on-address', endpoint: label(ep) } };
      const nums = resolveNamedPort(ep.pod, n.name, n.protocol);
      return nums.length ? { ep, port: nums[0]!, protocol: n.protocol } : { ep, missing: { code: 'named-port-missing', endpoint: endpointName(ep.pod), name: n.name, protocol: n.protocol } };
    });
  }

  let ok = 0;
  let total = 0;
  for (const src of sources) {
    for (const t of targets) {
      total++;
      if ('missing' in t) {
        addProblem(result, t.missing);
        continue;
      }
      // Two stand-ins for one workload are two different replicas, not one pod talking to itself.
      const dst: Endpoint = src.kind === 'pod' && t.ep.kind === 'pod' && src.pod === t.ep.pod && fromR.kind === 'workload' ? { kind: 'pod', pod: { ...t.ep.pod, name: `${t.ep.pod.name} (another replica)` } } : t.ep;
      const verdict = evaluate(cluster, { from: src, to: dst, port: t.port, protocol: t.protocol });
      result.hops.push({ purpose: 'connect', from: label(src), to: label(dst), port: t.port, protocol: t.protocol, verdict });
      if (verdict.allowed) ok++;
    }
  }
  result.verdict = ok === total && total > 0 ? 'allowed' : 'denied';
  result.partial = ok > 0 && ok < total;
  for (const hop of result.hops) {
    const note = dependsOnPodIPNote(cluster, hop);
    if (note) notes.push(note);
  }
  const via = result.service ? ` via Service ${result.service.namespace}/${result.service.name}:${result.service.port}` : '';
  result.summary =
    result.verdict === 'allowed'
      ? `${req.from} can reach ${req.to}${via}`
      : result.partial
        ? `${req.from} reaches only ${ok} of ${total} endpoints of ${req.to}${via}: whether a request succeeds depends on the endpoint it lands on`
        : `${req.from} cannot reach ${req.to}${via}`;
  return result;
}

/** A denial that an unknown pod IP could turn into an allow, in words. */
function dependsOnPodIPNote(cluster: Cluster, hop: Hop): string | undefined {
  if (hop.verdict.allowed) return undefined;
  const sides = [hop.verdict.egress.allowed ? undefined : hop.verdict.egress.dependsOnPodIP, hop.verdict.ingress.allowed ? undefined : hop.verdict.ingress.dependsOnPodIP];
  const blocks = [...new Set(sides.flatMap((b) => b ?? []))];
  if (blocks.length === 0) return undefined;
  const net = cluster.network?.podCidrs.length ? `the pod network ${cluster.network.podCidrs.join(', ')} straddles it` : 'give --pod-cidr to judge it against the pod network';
  return `${hop.from} → ${hop.to} ${hop.port}/${hop.protocol}: depends on the pod's IP: a pod with no IP (workload template) may or may not be in ipBlock ${blocks.join(', ')} (${net}); counted as not matching`;
}

/** `http`, `dns/UDP`: an IANA service name (letters, digits, hyphens, one letter at least), protocol TCP by default. */
function parsePortName(text: string): { name: string; protocol: Protocol } | undefined {
  const m = /^([a-z0-9]+(?:-[a-z0-9]+)*)(?:\/(TCP|UDP|SCTP))?$/i.exec(text.trim());
  if (!m || !/[a-z]/i.test(m[1]!) || m[1]!.length > 15) return undefined;
  return { name: m[1]!.toLowerCase(), protocol: (m[2]?.toUpperCase() as Protocol | undefined) ?? 'TCP' };
}

/** The Service port named so; else the one whose targetPort is that container port name. */
function namedServicePort(svc: Service, want: { name: string; protocol: Protocol }): ServicePort | undefined {
  const proto = (p: ServicePort) => p.protocol === want.protocol;
  return svc.ports.find((p) => p.name === want.name && proto(p)) ?? svc.ports.find((p) => p.targetPort === want.name && proto(p));
}

function pickServicePort(svc: Service, want: { port: number; protocol: Protocol } | undefined): ServicePort | undefined {
  if (!want) return svc.ports[0];
  return svc.ports.find((p) => p.port === want.port && p.protocol === want.protocol);
}

/** Ready pods of the Service's namespace that match its selector. */
export function serviceEndpoints(cluster: Cluster, svc: Service): Pod[] {
  return clusterModel(cluster).servicePods(svc).filter((p) => p.ready);
}

function checkDns(cluster: Cluster, sources: Endpoint[]): { needed: boolean; allowed: boolean; hops: Hop[]; assumed: boolean } {
  const { pods, assumed } = clusterDnsPods(cluster);
  const hops: Hop[] = [];
  let allAllowed = true;
  for (const src of sources) {
    let any = false;
    for (const pod of pods) {
      const verdict = evaluate(cluster, { from: src, to: { kind: 'pod', pod }, port: 53, protocol: 'UDP' });
      hops.push({ purpose: 'dns', from: label(src), to: endpointName(pod), port: 53, protocol: 'UDP', verdict });
      if (verdict.allowed) any = true;
    }
    if (!any) allAllowed = false;
  }
  // A lookup is restricted when a NetworkPolicy isolates the client's egress, or a cluster policy decides it.
  const restricted = (h: Hop): boolean => h.verdict.egress.isolated || (h.verdict.egress.tiers ?? []).some((t) => t.tier !== 'NetworkPolicy' && t.outcome !== 'no-match');
  const needed = sources.some((s) => hops.some((h) => h.from === label(s) && restricted(h)));
  return { needed, allowed: allAllowed, hops, assumed };
}
