import { formatSelector, ipBlockRanges, parseCidr, parseIP, selectorIsEmpty, type Direction, type IPBlock, type Peer, type Policy } from '@kordon/engine';
import type { Finding } from '../types.js';
import { effectiveRules, peerField, type LintModel } from './model.js';
import { atPolicy, few, type LintRule } from './rule.js';

type PodsPeer = Extract<Peer, { kind: 'pods' }>;
type BlockPeer = Extract<Peer, { kind: 'ipBlock' }>;

function* rulesOf(policy: Policy): Generator<{ direction: Direction; rule: Policy['ingress'][number] }> {
  for (const direction of ['ingress', 'egress'] as const) for (const rule of effectiveRules(policy, direction)) yield { direction, rule };
}

const sel = (s: PodsPeer['podSelector']): string => (s === null ? '' : formatSelector(s) || '{}');

const andSplit: LintRule = {
  id: 'peer-and-split',
  severity: 'error',
  title: 'namespaceSelector and podSelector written as two peers where AND was meant',
  description:
    'Two list items `- namespaceSelector: …` and `- podSelector: …` are two peers (OR): the podSelector alone means pods of the policy\'s own namespace. Reported when that podSelector selects nothing in the policy\'s namespace but does select pods inside the namespaces of the namespaceSelector, the sign that one peer with both selectors (AND) was meant.',
  supersedes: ['peer-selects-nothing', 'label-unknown'],
  check(model: LintModel): Finding[] {
    const out: Finding[] = [];
    if (!model.hasPods) return out;
    for (const policy of model.cluster.policies) {
      for (const { direction, rule } of rulesOf(policy)) {
        const peers = (rule.peers ?? []).filter((p): p is PodsPeer => p.kind === 'pods');
        const nsOnly = peers.filter((p) => p.namespaceSelector !== null && p.podSelector === null);
        const podOnly = peers.filter((p) => p.namespaceSelector === null && p.podSelector !== null && !selectorIsEmpty(p.podSelector));
        for (const pp of podOnly) {
          if (model.peerMatchesAny(policy, pp)) continue;
          for (const np of nsOnly) {
            const inThere = model.namespacesMatching(np.namespaceSelector!).filter((n) => n.name !== policy.namespace);
            const hits = model.findPods(inThere.map((n) => n.name), pp.podSelector!, 4);
            if (hits.length === 0) continue;
            const field = peerField(direction);
            const base = ['spec', direction, rule.index, field];
            out.push(
              atPolicy(andSplit, model, policy, [...base, pp.index], {
                message: `${field}[${np.index}] (namespaceSelector ${sel(np.namespaceSelector)}) and ${field}[${pp.index}] (podSelector ${sel(pp.podSelector)}) are two peers, OR-ed; AND was likely meant`,
                explanation: `As written, ${direction === 'ingress' ? 'traffic is admitted from' : 'the pods may reach'} every pod of the namespaces matching ${sel(np.namespaceSelector)}, or pods with ${sel(pp.podSelector)} in ${policy.namespace} (there are none). The pods ${sel(pp.podSelector)} exist in ${few([...new Set(hits.map((h) => h.namespace))])} (${few(hits.map((h) => `${h.namespace}/${h.name}`))}), which suggests "pods ${sel(pp.podSelector)} inside those namespaces" was meant; the rule instead opens the whole namespace.`,
                fix: `make them one peer: remove the '-' before podSelector so it sits in the same item as the namespaceSelector (${field}: [{namespaceSelector: {…}, podSelector: {…}}])`,
                related: [{ location: model.at(policy, [...base, np.index]) ?? policy.source!, message: 'the namespaceSelector peer' }].filter((r) => r.location !== undefined),
              }),
            );
            break;
          }
        }
      }
    }
    return out;
  },
};

const broadIpBlock: LintRule = {
  id: 'broad-ipblock',
  severity: 'warning',
  title: 'ipBlock of every address without except',
  description: 'An ipBlock of 0.0.0.0/0 or ::/0 without except matches every address, pod IPs included: it admits the whole cluster and the internet on the rule\'s ports.',
  check(model) {
    const out: Finding[] = [];
    for (const policy of model.cluster.policies) {
      for (const { direction, rule } of rulesOf(policy)) {
        for (const peer of rule.peers ?? []) {
          if (peer.kind !== 'ipBlock' || peer.except.length > 0) continue;
          const c = parseCidr(peer.cidr);
          if (!c || c.prefix !== 0) continue;
          out.push(
            atPolicy(broadIpBlock, model, policy, ['spec', direction, rule.index, peerField(direction), peer.index, 'ipBlock', 'cidr'], {
              message: `ipBlock ${peer.cidr} without except ${direction === 'ingress' ? 'admits every source' : 'opens every destination'}, pods of every namespace included`,
              explanation: 'ipBlock matches any address, pod IPs too: this peer makes the rule allow all traffic of its ports, across namespaces.',
              fix: `list the outside ranges you need, or add except entries for the cluster's pod and Service ranges (e.g. except: [10.0.0.0/8]) if only the internet is meant`,
            }),
          );
        }
      }
    }
    return out;
  },
};

const broadNamespace: LintRule = {
  id: 'broad-namespace-selector',
  severity: 'warning',
  title: 'namespaceSelector: {} without a podSelector',
  description: 'A peer `namespaceSelector: {}` with no (or an empty) podSelector matches every pod of every namespace.',
  check(model) {
    const out: Finding[] = [];
    for (const policy of model.cluster.policies) {
      for (const { direction, rule } of rulesOf(policy)) {
        for (const peer of rule.peers ?? []) {
          if (peer.kind !== 'pods' || peer.namespaceSelector === null || !selectorIsEmpty(peer.namespaceSelector)) continue;
          if (peer.podSelector !== null && !selectorIsEmpty(peer.podSelector)) continue;
          out.push(
            atPolicy(broadNamespace, model, policy, ['spec', direction, rule.index, peerField(direction), peer.index, 'namespaceSelector'], {
              message: `namespaceSelector: {} ${direction === 'ingress' ? 'admits every pod of every namespace' : 'opens every pod of every namespace'}`,
              explanation: 'An empty namespaceSelector matches all namespaces, and with no podSelector all their pods: every workload of the cluster, present and future.',
              fix: 'select the namespaces you mean (e.g. matchLabels: {kubernetes.io/metadata.name: monitoring}) and add a podSelector for the workloads',
            }),
          );
        }
      }
    }
    return out;
  },
};

interface Addr {
  family: 4 | 6;
  value: bigint;
  what: string;
}

/** The first few addresses inside the block, by binary search over the sorted addresses. */
function inside(block: IPBlock, sorted: readonly Addr[], limit: number): Addr[] {
  const out: Addr[] = [];
  for (const [s, e] of ipBlockRanges(block)) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const a = sorted[mid]!;
      if (a.family < block.cidr.family || (a.family === block.cidr.family && a.value < s)) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < sorted.length && out.length < limit; i++) {
      const a = sorted[i]!;
      if (a.family !== block.cidr.family || a.value > e) break;
      out.push(a);
    }
    if (out.length >= limit) break;
  }
  return out;
}

const overlap: LintRule = {
  id: 'ipblock-overlaps-cluster',
  severity: 'warning',
  title: 'ipBlock covers pod or Service addresses',
  description:
    'ipBlock is meant for addresses outside the cluster. When it covers pod IPs, plugins disagree (some match pod traffic by IP, some only traffic that left the cluster, and pod IPs change); a Service ClusterIP is never seen by policy, which applies after DNAT to the endpoint pods.',
  check(model) {
    const cluster = model.cluster;
    const addrs: Addr[] = [];
    for (const p of cluster.pods) {
      if (p.hostNetwork) continue;
      for (const ip of p.ips) {
        const a = parseIP(ip);
        if (a) addrs.push({ ...a, what: `pod ${p.namespace}/${p.name} (${ip})` });
      }
    }
    for (const s of cluster.services) {
      for (const ip of s.clusterIPs) {
        const a = parseIP(ip);
        if (a) addrs.push({ ...a, what: `Service ${s.namespace}/${s.name} ClusterIP ${ip}` });
      }
    }
    const out: Finding[] = [];
    if (addrs.length === 0) return out;
    addrs.sort((a, b) => a.family - b.family || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    for (const policy of cluster.policies) {
      for (const { direction, rule } of rulesOf(policy)) {
        for (const peer of rule.peers ?? []) {
          if (peer.kind !== 'ipBlock') continue;
          const cidr = parseCidr(peer.cidr);
          if (!cidr || cidr.prefix === 0) continue; // broad-ipblock says it already
          const block: IPBlock = { cidr, except: peer.except.map(parseCidr).filter((c) => c !== undefined) };
          const hits = inside(block, addrs, 4);
          if (hits.length === 0) continue;
          const svc = hits.some((h) => h.what.startsWith('Service'));
          out.push(
            atPolicy(overlap, model, policy, ['spec', direction, rule.index, peerField(direction), peer.index, 'ipBlock', 'cidr'], {
              message: `ipBlock ${peer.cidr} covers ${few(hits.map((h) => h.what), 3)}`,
              explanation: `${svc ? 'Policies see connections after the Service DNAT, so a ClusterIP in an ipBlock never matches; the endpoint pods\' IPs and target ports do. ' : ''}Matching pods by IP depends on the plugin and breaks when pods are rescheduled.`,
              fix: (peer as BlockPeer).except.length ? 'select those pods with podSelector/namespaceSelector and extend except to cover the cluster ranges' : `select those pods with podSelector/namespaceSelector, and add except entries for the pod and Service ranges inside ${peer.cidr}`,
            }),
          );
        }
      }
    }
    return out;
  },
};

export const peerRules: LintRule[] = [andSplit, broadIpBlock, broadNamespace, overlap];
