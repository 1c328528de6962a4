import { describePeer, describePorts, describeRuleRef, isolatingPolicies, type Cluster, type Direction, type Location, type Pod } from '@kordon/engine';
import { groupOf } from '../connections/list.js';

/** One way in (or out): a peer of a rule, in the selector or CIDR words of the policy, whoever exists today. */
export interface ExposurePeer {
  /** `pods with app=web in namespace shop`, `all pods in namespaces with team=x`, `addresses in 0.0.0.0/0`, `anyone`. */
  peer: string;
  /** `8080/TCP, port named http/TCP`, or `every port`. */
  ports: string;
  /** `ns/name ingress rule 0`. */
  rule: string;
  location?: Location;
}

export interface ExposureSide {
  /** False: no policy isolates it in this direction, so anyone (anything) is admitted on every port. */
  isolated: boolean;
  policies: string[];
  peers: ExposurePeer[];
}

export interface ExposureEntry {
  /** The workload (`ns/name[Kind]`, `ns/name[Pod]` for a bare pod). */
  name: string;
  namespace: string;
  pods: string[];
  ingress: ExposureSide;
  egress: ExposureSide;
}

export interface ExposureReport {
  entries: ExposureEntry[];
  /** Workloads no policy isolates, per direction. */
  unprotected: { ingress: string[]; egress: string[] };
}

function side(cluster: Cluster, pod: Pod, direction: Direction): ExposureSide {
  const policies = isolatingPolicies(cluster, pod, direction);
  const peers: ExposurePeer[] = [];
  for (const p of policies) {
    for (const rule of direction === 'ingress' ? p.ingress : p.egress) {
      const ports = describePorts(rule.ports);
      const at = (peer?: number): Location | undefined =>
        p.locate ? p.locate(['spec', direction, rule.index, ...(peer === undefined ? [] : [direction === 'ingress' ? 'from' : 'to', peer])]) : p.source;
      const base = { ports, rule: describeRuleRef({ policy: p.id, direction, rule: rule.index }) };
      if (rule.peers === null) {
        const loc = at();
        peers.push({ ...base, peer: direction === 'ingress' ? 'anyone (every pod and address)' : 'anywhere (every pod and address)', ...(loc ? { location: loc } : {}) });
        continue;
      }
      rule.peers.forEach((peer, k) => {
        const loc = at(k);
        peers.push({ ...base, peer: describePeer(p, peer), ...(loc ? { location: loc } : {}) });
      });
    }
  }
  return { isolated: policies.length > 0, policies: policies.map((p) => p.id), peers };
}

const key = (s: ExposureSide) => JSON.stringify([s.isolated, s.policies, s.peers.map((p) => [p.peer, p.ports, p.rule])]);

/**
 * Who could reach each workload and whom it could reach, as the policies say it (selectors and CIDRs, so namespaces
 * and pods not in the input count as they would once deployed), and the workloads no policy protects. Pods of one
 * workload that policies treat differently are listed apart. hostNetwork pods are left out: policies never select them.
 */
export function exposure(cluster: Cluster, options: { pods?: ReadonlySet<Pod> } = {}): ExposureReport {
  const entries = new Map<string, ExposureEntry>();
  for (const pod of cluster.pods) {
    if (pod.hostNetwork || (options.pods && !options.pods.has(pod))) continue;
    const g = groupOf(pod, 'workload');
    const ingress = side(cluster, pod, 'ingress');
    const egress = side(cluster, pod, 'egress');
    const k = `${g.name}\u0000${key(ingress)}\u0000${key(egress)}`;
    const e = entries.get(k);
    if (e) e.pods.push(`${pod.namespace}/${pod.name}`);
    else entries.set(k, { name: g.name, namespace: pod.namespace, pods: [`${pod.namespace}/${pod.name}`], ingress, egress });
  }
  const list = [...entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const open = (d: 'ingress' | 'egress') => [...new Set(list.filter((e) => !e[d].isolated).map((e) => e.name))];
  return { entries: list, unprotected: { ingress: open('ingress'), egress: open('egress') } };
}

export function exposureText(r: ExposureReport): string {
  const out: string[] = [];
  const many = (e: ExposureEntry) => r.entries.filter((x) => x.name === e.name).length > 1;
  for (const e of r.entries) {
    out.push(`${e.name}${many(e) ? ` (pods ${e.pods.join(', ')})` : ''}`);
    for (const d of ['ingress', 'egress'] as const) {
      const s = e[d];
      const head = d === 'ingress' ? 'ingress from' : 'egress to';
      if (!s.isolated) {
        out.push(`  ${head}: anyone, on every port (no policy isolates it)`);
        continue;
      }
      if (s.peers.length === 0) {
        out.push(`  ${head}: nobody (isolated by ${s.policies.join(', ')}, no rule allows)`);
        continue;
      }
      out.push(`  ${head}:`);
      for (const p of s.peers) out.push(`    ${p.peer}, on ${p.ports}  (${p.rule}${p.location ? ` at ${p.location.file}:${p.location.line}` : ''})`);
    }
  }
  out.push('', 'Not protected by any policy:');
  out.push(`  ingress: ${r.unprotected.ingress.join(', ') || 'none'}`);
  out.push(`  egress: ${r.unprotected.egress.join(', ') || 'none'}`);
  return `${out.join('\n')}\n`;
}

const md = (s: string) => s.replace(/\|/g, '\\|');

export function exposureMarkdown(r: ExposureReport): string {
  const out = ['| workload | direction | peer | ports | rule |', '| --- | --- | --- | --- | --- |'];
  for (const e of r.entries) {
    for (const d of ['ingress', 'egress'] as const) {
      const s = e[d];
      if (!s.isolated) out.push(`| ${md(e.name)} | ${d} | anyone (not isolated) | every port | |`);
      else if (s.peers.length === 0) out.push(`| ${md(e.name)} | ${d} | nobody | | ${md(s.policies.join(', '))} |`);
      else for (const p of s.peers) out.push(`| ${md(e.name)} | ${d} | ${md(p.peer)} | ${md(p.ports)} | ${md(p.rule)} |`);
    }
  }
  out.push('', `Not protected by any policy: ingress ${r.unprotected.ingress.map((x) => `\`${x}\``).join(', ') || 'none'}; egress ${r.unprotected.egress.map((x) => `\`${x}\``).join(', ') || 'none'}.`);
  return `${out.join('\n')}\n`;
}
