import { isClusterDnsPod, type Cluster, type Pod } from '@kordon/engine';
import { stringify } from 'yaml';
import { SYSTEM_NAMESPACES } from './plan.js';
import { selectorData } from './render.js';
import type { Need } from './required.js';
import type { Unit } from './units.js';

/** Which ClusterNetworkPolicy guardrails to write beside the NetworkPolicies. */
export type Guardrail = 'admin' | 'baseline';
export const GUARDRAILS: readonly Guardrail[] = ['admin', 'baseline'];

type Data = Record<string, unknown>;
const NS_KEY = 'kubernetes.io/metadata.name';
const API = 'policy.networking.k8s.io/v1alpha2';
const DNS_PORTS = [{ udp: { destinationPort: { number: 53 } } }, { tcp: { destinationPort: { number: 53 } } }];

interface Doc {
  comment: string[];
  object: Data;
}

const protocolOf = (n: Need): Data => ({ [n.protocol.toLowerCase()]: { destinationPort: { number: n.port } } });

/**
 * The Baseline tier: what applies to every pod no NetworkPolicy isolates, in every namespace but the system ones, now
 * and in namespaces created later: DNS, and nothing else. NetworkPolicies decide before it, so it changes nothing for
 * the generated namespaces; it closes what a new namespace or workload would otherwise leave open.
 */
function baseline(cluster: Cluster, system: readonly string[]): Doc {
  return {
    comment: [
      `Baseline guardrail: pods that no NetworkPolicy isolates, outside ${system.join(', ')}, may only look names up.`,
      'NetworkPolicies decide first; this applies where none selects a pod (a new namespace or workload).',
      'Ingress from outside addresses is not covered: a ClusterNetworkPolicy ingress rule names pods and namespaces only.',
    ],
    object: {
      apiVersion: API,
      kind: 'ClusterNetworkPolicy',
      metadata: { name: 'kordon-baseline-default-deny', labels: { 'app.kubernetes.io/managed-by': 'kordon-generate' } },
      spec: {
        tier: 'Baseline',
        priority: 100,
        subject: { namespaces: { matchExpressions: [{ key: NS_KEY, operator: 'NotIn', values: system }] } },
        ingress: [{ name: 'deny-from-pods', action: 'Deny', from: [{ namespaces: {} }] }],
        egress: [
          { name: 'dns', action: 'Accept', to: [{ pods: { namespaceSelector: { matchLabels: { [NS_KEY]: cluster.dns.namespace } }, podSelector: { matchLabels: { ...cluster.dns.selector } } } }], protocols: DNS_PORTS },
          { name: 'deny-all', action: 'Deny', to: [{ namespaces: {} }, { networks: ['0.0.0.0/0', '::/0'] }] },
        ],
      },
    },
  };
}

/**
 * The Admin tier, deciding before any NetworkPolicy: the system namespaces accept from the other namespaces only the
 * cluster DNS and the connections asked for, and deny the rest. Connections between system namespaces, and from the
 * host network (kubelet, API server), are left to the tiers below.
 */
function admin(cluster: Cluster, system: readonly string[], allow: readonly Need[], unitOf: ReadonlyMap<Pod, Unit>): Doc[] {
  const inSystem = new Set(system);
  const asked = new Map<string, { peer: Data; protocols: Data[]; title: string }>();
  for (const n of allow) {
    if (n.dst.kind !== 'pod' || !inSystem.has(n.dst.pod.namespace) || n.src.kind !== 'pod' || n.src.pod.hostNetwork || inSystem.has(n.src.pod.namespace)) continue;
    // Name lookups are kordon-admin-dns's, which decides first.
    const dst = n.dst.pod;
    if (n.port === 53 && isClusterDnsPod(cluster, dst)) continue;
    const u = unitOf.get(n.src.pod);
    if (!u) continue;
    const k = `${u.id}\u0000${n.dst.pod.namespace}`;
    const e = asked.get(k) ?? { peer: { pods: { namespaceSelector: { matchLabels: { [NS_KEY]: u.namespace } }, podSelector: selectorData(u.selector) } }, protocols: [], title: `${u.title} to ${n.dst.pod.namespace}` };
    const p = protocolOf(n);
    if (!e.protocols.some((x) => JSON.stringify(x) === JSON.stringify(p))) e.protocols.push(p);
    asked.set(k, e);
  }
  const dns: Doc = {
    comment: [`Admin guardrail: every pod may look names up at the cluster DNS (${cluster.dns.namespace}), whatever a NetworkPolicy of ${cluster.dns.namespace} says.`],
    object: {
      apiVersion: API,
      kind: 'ClusterNetworkPolicy',
      metadata: { name: 'kordon-admin-dns', labels: { 'app.kubernetes.io/managed-by': 'kordon-generate' } },
      spec: {
        tier: 'Admin',
        priority: 10,
        subject: { pods: { namespaceSelector: { matchLabels: { [NS_KEY]: cluster.dns.namespace } }, podSelector: { matchLabels: { ...cluster.dns.selector } } } },
        ingress: [{ name: 'dns', action: 'Accept', from: [{ namespaces: {} }], protocols: DNS_PORTS }],
      },
    },
  };
  const rules: Data[] = [...asked.values()].slice(0, 24).map((e, i) => ({ name: `asked-${i + 1}`, action: 'Accept', from: [e.peer], protocols: e.protocols }));
  const protect: Doc = {
    comment: [
      `Admin guardrail: ${system.join(', ')} accept nothing from the other namespaces' pods but what was asked for${rules.length ? ` (${[...asked.values()].slice(0, 24).map((e) => e.title).join('; ')})` : ''}.`,
      'It decides before any NetworkPolicy; traffic between system namespaces and from the host network is left to them.',
      ...(asked.size > 24 ? [`${asked.size - 24} more asked connections do not fit in one policy's 25 rules: they are denied here; split the policy to admit them.`] : []),
    ],
    object: {
      apiVersion: API,
      kind: 'ClusterNetworkPolicy',
      metadata: { name: 'kordon-admin-protect-system', labels: { 'app.kubernetes.io/managed-by': 'kordon-generate' } },
      spec: {
        tier: 'Admin',
        priority: 20,
        subject: { namespaces: { matchExpressions: [{ key: NS_KEY, operator: 'In', values: system }] } },
        ingress: [...rules, { name: 'deny-other-namespaces', action: 'Deny', from: [{ namespaces: { matchExpressions: [{ key: NS_KEY, operator: 'NotIn', values: system }] } }] }],
      },
    },
  };
  return [dns, protect];
}

/** The guardrails asked for, as one file of ClusterNetworkPolicies, and those left out (their subject has no pod). */
export function guardrailFile(cluster: Cluster, kinds: readonly Guardrail[], allow: readonly Need[], unitOf: ReadonlyMap<Pod, Unit>): { file?: { name: string; namespace: string; text: string }; notes: string[] } {
  if (kinds.length === 0) return { notes: [] };
  const system = [...new Set([...SYSTEM_NAMESPACES, cluster.dns.namespace])].sort();
  const notes: string[] = [];
  // A guardrail whose subject selects no pod of the input says nothing the proof can check: it is left out, and said.
  const dnsPods = cluster.pods.some((p) => !p.hostNetwork && isClusterDnsPod(cluster, p));
  const systemPods = cluster.pods.some((p) => system.includes(p.namespace) && !p.hostNetwork);
  const adminDocs = kinds.includes('admin') ? admin(cluster, system, allow, unitOf) : [];
  const [dns, protect] = adminDocs;
  const docs: Doc[] = [];
  if (dns) {
    if (dnsPods) docs.push(dns);
    else notes.push(`guardrail kordon-admin-dns left out: the input has no cluster DNS pods (${cluster.dns.namespace}, ${Object.entries(cluster.dns.selector).map(([k, v]) => `${k}=${v}`).join(',')}) for it to select`);
  }
  if (protect) {
    if (systemPods) docs.push(protect);
    else notes.push(`guardrail kordon-admin-protect-system left out: the input has no pods in ${system.join(', ')} for it to select`);
  }
  if (kinds.includes('baseline')) docs.push(baseline(cluster, system));
  if (docs.length === 0) return { notes };
  const text = docs.map((d) => `${d.comment.map((c) => `# ${c.replace(/[\r\n]+/g, ' ')}`).join('\n')}\n${stringify(d.object, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('---\n');
  return { file: { name: 'cluster-guardrails.yaml', namespace: '', text }, notes };
}
