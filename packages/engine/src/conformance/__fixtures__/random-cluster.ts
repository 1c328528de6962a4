// Random clusters for property tests: a few namespaces with labels, pods with labels, IPv4/IPv6 addresses, named
// container ports and hostNetwork, and policies with every peer kind, ipBlock excepts, ports, ranges, named ports,
// protocols and policyTypes variants. Everything generated passes API-server validation.
import fc from 'fast-check';
import type { Cluster, Protocol } from '../../model/types.js';
import { clusterOf, namespaceObject, podObject } from './harness.js';

export const NAMESPACES = ['ns-a', 'ns-b', 'ns-c'];
export const PROTOS: Protocol[] = ['TCP', 'UDP', 'SCTP'];
export const PORT_NAMES = ['http', 'dns', 'metrics'];
export const PORTS = [53, 80, 81, 443, 8080, 9000];
export const POD_IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.5', '10.0.0.9', '10.0.0.14', '10.0.1.1', 'fd00::1', 'fd00::a', 'fd00::1:1'];
export const NODE_IPS = ['192.168.0.1', '192.168.0.2'];
export const OUTSIDE_IPS = ['8.8.8.8', '10.0.0.3', '10.0.0.200', '192.168.0.77', '2001:db8::1', 'fd00::ff'];
const CIDRS: { cidr: string; subs: string[] }[] = [
  { cidr: '10.0.0.0/28', subs: ['10.0.0.0/30', '10.0.0.4/30', '10.0.0.8/29', '10.0.0.1/32', '10.0.0.9/32'] },
  { cidr: '10.0.0.0/16', subs: ['10.0.0.0/24', '10.0.1.0/24', '10.0.0.0/29'] },
  { cidr: '0.0.0.0/0', subs: ['10.0.0.0/8', '192.168.0.0/16', '10.0.0.2/32', '8.8.8.0/24'] },
  { cidr: '192.168.0.0/24', subs: ['192.168.0.1/32', '192.168.0.0/31'] },
  { cidr: 'fd00::/112', subs: ['fd00::/124', 'fd00::1/128', 'fd00::ff00/120'] },
  { cidr: '::/0', subs: ['fd00::/8', '2001:db8::/32'] },
];

export const labelsArb = fc.dictionary(fc.constantFrom('app', 'tier', 'env'), fc.constantFrom('a', 'b', 'c'), { maxKeys: 3 });

/** Pods of the large clusters carry a unique `id` label, so that selectors can tell them apart one by one. */
const IDS = Array.from({ length: 80 }, (_, i) => `p${i}`);

export const selectorArb = fc.record(
  {
    matchLabels: fc.dictionary(fc.constantFrom('app', 'tier', 'env', 'kubernetes.io/metadata.name'), fc.constantFrom('a', 'b', 'ns-a', 'ns-b'), { maxKeys: 2 }),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: fc.constantFrom('app', 'tier', 'env'), operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: fc.constant('id'), operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: 30 }) }),
        fc.record({ key: fc.constantFrom('app', 'tier', 'env'), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

const ipBlockArb = fc
  .constantFrom(...CIDRS)
  .chain((c) => fc.record({ cidr: fc.constant(c.cidr), except: fc.uniqueArray(fc.constantFrom(...c.subs), { maxLength: 2 }) }, { requiredKeys: ['cidr'] }));

const peerArb = fc.oneof(
  fc.record({ podSelector: selectorArb }),
  fc.record({ namespaceSelector: selectorArb }),
  fc.record({ podSelector: selectorArb, namespaceSelector: selectorArb }),
  fc.record({ ipBlock: ipBlockArb }),
);

const portArb = fc.oneof(
  fc.record({ protocol: fc.constantFrom(...PROTOS) }, { requiredKeys: [] }),
  fc.record({ protocol: fc.constantFrom(...PROTOS), port: fc.constantFrom(...PORTS) }, { requiredKeys: ['port'] }),
  fc.record({ protocol: fc.constantFrom(...PROTOS), port: fc.constantFrom(...PORT_NAMES) }, { requiredKeys: ['port'] }),
  fc
    .record({ protocol: fc.constantFrom(...PROTOS), port: fc.constantFrom(...PORTS), width: fc.integer({ min: 0, max: 600 }) })
    .map(({ protocol, port, width }) => ({ protocol, port, endPort: port + width })),
);

const ruleArb = (peerKey: 'from' | 'to') =>
  fc.record({ [peerKey]: fc.oneof(fc.constant([]), fc.array(peerArb, { minLength: 1, maxLength: 3 })), ports: fc.oneof(fc.constant([]), fc.array(portArb, { minLength: 1, maxLength: 2 })) }, { requiredKeys: [] });

const rulesArb = (peerKey: 'from' | 'to') => fc.option(fc.array(ruleArb(peerKey), { maxLength: 3 }), { nil: undefined });

const policyArb = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  podSelector: selectorArb,
  policyTypes: fc.option(fc.constantFrom([], ['Ingress'], ['Egress'], ['Ingress', 'Egress'], ['Egress', 'Ingress']), { nil: undefined }),
  ingress: rulesArb('from'),
  egress: rulesArb('to'),
});

const containerPortArb = fc.record({ name: fc.option(fc.constantFrom(...PORT_NAMES), { nil: undefined }), port: fc.constantFrom(...PORTS, 8081), protocol: fc.constantFrom(...PROTOS) });

const podArb = fc.record({
  namespace: fc.constantFrom(...NAMESPACES, 'ns-undeclared'),
  labels: labelsArb,
  ips: fc.uniqueArray(fc.constantFrom(...POD_IPS), { maxLength: 2 }),
  hostNetwork: fc.boolean(),
  node: fc.integer({ min: 0, max: NODE_IPS.length - 1 }),
  // Some pods lack status.hostIP or spec.nodeName (as in real PodLists); a hostNetwork pod then may have no address.
  hostIPKnown: fc.boolean(),
  nodeNameKnown: fc.boolean(),
  uniqueId: fc.boolean(),
  // Succeeded and Failed pods are gone from the network.
  phase: fc.constantFrom('Running', 'Running', 'Running', 'Pending', 'Succeeded', 'Failed'),
  containerPorts: fc.uniqueArray(containerPortArb, { maxLength: 3, selector: (c) => `${c.name ?? ''}` || `${c.port}/${c.protocol}` }),
});

/**
 * Matrix classes are keyed by what selectors observe, so unique ids split pods only where some selector names them.
 * This policy names every id but selects no pod (every pod of a large cluster has one of them): it changes no
 * verdict and keeps the large clusters at one class per pod.
 */
const namesEveryId = <P>(ps: P[]): P[] => [
  ...ps,
  { namespace: 'ns-a', podSelector: { matchExpressions: [{ key: 'id', operator: 'NotIn', values: IDS }] }, policyTypes: ['Ingress'], ingress: undefined, egress: undefined } as P,
];

const clusterArbOf = (minPods: number, maxPods: number, maxPolicies: number, allUnique = false) =>
  fc.record({
    namespaces: fc.uniqueArray(fc.record({ name: fc.constantFrom(...NAMESPACES), labels: labelsArb }), { maxLength: 3, selector: (n) => n.name }),
    pods: fc.array(allUnique ? podArb.map((p) => ({ ...p, uniqueId: true, phase: 'Running' })) : podArb, { minLength: minPods, maxLength: maxPods }),
    policies: fc.array(policyArb, { maxLength: maxPolicies }).map((ps) => (allUnique ? namesEveryId(ps) : ps)),
  });
export const clusterArb = clusterArbOf(1, 8, 4);
// More than 32 and 64 pod classes: the bitsets span several words.
export const largeClusterArb = clusterArbOf(34, 42, 6, true);
// Enough pods and policies per namespace that pods of different roles interleave in name order.
export const mediumClusterArb = clusterArbOf(12, 24, 8);

export type ClusterInput = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

/** The manifests of a generated cluster, as a user would write them. */
export function manifestsOf(input: ClusterInput): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = input.namespaces.map((n) => namespaceObject(n.name, { ...n.labels }));
  input.pods.forEach((p, i) => {
    const nodeIP = NODE_IPS[p.node]!;
    objects.push(
      podObject({
        namespace: p.namespace,
        name: `p${i}`,
        labels: p.uniqueId ? { ...p.labels, id: `p${i}` } : { ...p.labels },
        // A hostNetwork pod carries its node's address (when the PodList says so).
        ips: p.hostNetwork ? (p.hostIPKnown ? [nodeIP] : []) : p.ips,
        hostNetwork: p.hostNetwork,
        ...(p.hostIPKnown ? { hostIP: nodeIP } : {}),
        phase: p.phase,
        ...(p.nodeNameKnown ? { nodeName: `node-${p.node}` } : {}),
        containerPorts: p.containerPorts.map((c) => ({ port: c.port, protocol: c.protocol, ...(c.name ? { name: c.name } : {}) })),
      }),
    );
  });
  input.policies.forEach((p, i) => {
    const spec: Record<string, unknown> = { podSelector: p.podSelector };
    if (p.policyTypes !== undefined) spec['policyTypes'] = p.policyTypes;
    if (p.ingress !== undefined) spec['ingress'] = p.ingress;
    if (p.egress !== undefined) spec['egress'] = p.egress;
    objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `pol-${i}`, namespace: p.namespace }, spec });
  });
  return objects;
}

/** Validation runs too: the generator writes only what the API server accepts. */
export const build = (input: ClusterInput): Cluster => clusterOf(manifestsOf(input));

export const explicitArb = fc.record({
  ports: fc.array(fc.record({ port: fc.oneof(fc.constantFrom(...PORTS, 8081, 1), fc.integer({ min: 1, max: 65535 })), protocol: fc.constantFrom(...PROTOS) }), { minLength: 1, maxLength: 4 }),
  ips: fc.uniqueArray(fc.constantFrom(...OUTSIDE_IPS, ...NODE_IPS, ...POD_IPS), { maxLength: 3 }),
});


// Cluster policies of both tiers and all three kinds, and the Nodes their `nodes` peers select. Everything generated
// passes the CRDs' validation: one field per peer and protocol entry, ranges with start < end, no named port beside
// a networks or nodes peer. Priorities come from a small set, so ties happen.

const NODE_LABELS = ['a', 'b'];
const ACTIONS = ['Accept', 'Deny', 'Pass'] as const;

const namespacedPodArb = fc.record({ namespaceSelector: selectorArb, podSelector: selectorArb }, { requiredKeys: ['podSelector'] });
const podPeerArb = fc.oneof(fc.record({ namespaces: selectorArb }), fc.record({ pods: namespacedPodArb }));
const addressPeerArb = fc.oneof(
  fc.record({ networks: fc.uniqueArray(fc.constantFrom(...CIDRS.flatMap((c) => [c.cidr, ...c.subs])), { minLength: 1, maxLength: 2 }) }),
  fc.record({ nodes: fc.record({ matchLabels: fc.dictionary(fc.constant('role'), fc.constantFrom(...NODE_LABELS), { maxKeys: 1 }) }) }),
);
const PORT_PAIRS = PORTS.flatMap((a) => PORTS.filter((b) => b > a).map((b) => [a, b] as const));
const cnpProtocolArb = fc.oneof(
  fc.record({ proto: fc.constantFrom('tcp', 'udp', 'sctp'), number: fc.constantFrom(...PORTS) }).map(({ proto, number }) => ({ [proto]: { destinationPort: { number } } })),
  fc.record({ proto: fc.constantFrom('tcp', 'udp', 'sctp'), range: fc.constantFrom(...PORT_PAIRS) }).map(({ proto, range }) => ({ [proto]: { destinationPort: { range: { start: range[0], end: range[1] } } } })),
  fc.constantFrom(...PORT_NAMES).map((n) => ({ destinationNamedPort: n })),
);
const anpPortArb = fc.oneof(
  fc.record({ protocol: fc.constantFrom(...PROTOS), port: fc.constantFrom(...PORTS) }).map((portNumber) => ({ portNumber })),
  fc.record({ protocol: fc.constantFrom(...PROTOS), range: fc.constantFrom(...PORT_PAIRS) }).map(({ protocol, range }) => ({ portRange: { protocol, start: range[0], end: range[1] } })),
  fc.constantFrom(...PORT_NAMES).map((namedPort) => ({ namedPort })),
);

/** A rule; named ports are dropped when an address peer is present, as the CRD's CEL rule demands. */
const tierRuleArb = (dir: 'ingress' | 'egress', actions: readonly string[], portsKey: 'protocols' | 'ports') => {
  const portArbOf: fc.Arbitrary<Record<string, unknown>> = portsKey === 'protocols' ? cnpProtocolArb : anpPortArb;
  return fc
    .record({
      action: fc.constantFrom(...actions),
      peers: fc.array(dir === 'ingress' ? podPeerArb : fc.oneof(podPeerArb, addressPeerArb), { minLength: 1, maxLength: 2 }),
      ports: fc.option(fc.array(portArbOf, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    })
    .map(({ action, peers, ports }) => {
      const address = peers.some((p) => 'networks' in p || 'nodes' in p);
      const kept = ports?.filter((e) => !address || !('destinationNamedPort' in e || 'namedPort' in e));
      return { action, [dir === 'ingress' ? 'from' : 'to']: peers, ...(kept && kept.length > 0 ? { [portsKey]: kept } : {}) };
    });
};

const subjectArb = fc.oneof(fc.record({ namespaces: selectorArb }), fc.record({ pods: namespacedPodArb }));

const cnpArb = fc.record({
  kind: fc.constant('cnp' as const),
  tier: fc.constantFrom('Admin', 'Baseline'),
  priority: fc.constantFrom(1, 2, 5),
  subject: subjectArb,
  ingress: fc.array(tierRuleArb('ingress', ACTIONS, 'protocols'), { maxLength: 3 }),
  egress: fc.array(tierRuleArb('egress', ACTIONS, 'protocols'), { maxLength: 3 }),
});
const anpArb = fc.record({
  kind: fc.constant('anp' as const),
  priority: fc.constantFrom(1, 2, 5),
  subject: subjectArb,
  ingress: fc.array(tierRuleArb('ingress', ['Allow', 'Deny', 'Pass'], 'ports'), { maxLength: 3 }),
  egress: fc.array(tierRuleArb('egress', ['Allow', 'Deny', 'Pass'], 'ports'), { maxLength: 3 }),
});
const banpArb = fc.record({
  subject: subjectArb,
  ingress: fc.array(tierRuleArb('ingress', ['Allow', 'Deny'], 'ports'), { maxLength: 3 }),
  egress: fc.array(tierRuleArb('egress', ['Allow', 'Deny'], 'ports'), { maxLength: 3 }),
});

const tieredArbOf = (base: fc.Arbitrary<ClusterInput>) =>
  fc.record({
    base,
    policies: fc.array(fc.oneof({ arbitrary: cnpArb, weight: 3 }, { arbitrary: anpArb, weight: 1 }), { maxLength: 5 }),
    banp: fc.option(banpArb, { nil: undefined }),
    nodeLabels: fc.array(fc.constantFrom(...NODE_LABELS), { minLength: NODE_IPS.length, maxLength: NODE_IPS.length }),
  });
export const tieredClusterArb = tieredArbOf(clusterArb);
export const largeTieredClusterArb = tieredArbOf(largeClusterArb);
export const mediumTieredClusterArb = tieredArbOf(mediumClusterArb);
export type TieredInput = typeof tieredClusterArb extends fc.Arbitrary<infer T> ? T : never;

export function tieredManifestsOf(input: TieredInput): Record<string, unknown>[] {
  const objects = manifestsOf(input.base);
  NODE_IPS.forEach((ip, i) => {
    objects.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${i}`, labels: { role: input.nodeLabels[i]! } }, status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: `node-${i}` }] } });
  });
  input.policies.forEach((p, i) => {
    const spec: Record<string, unknown> = p.kind === 'cnp' ? { tier: p.tier, priority: p.priority, subject: p.subject } : { priority: p.priority, subject: p.subject };
    if (p.ingress.length > 0) spec['ingress'] = p.ingress;
    if (p.egress.length > 0) spec['egress'] = p.egress;
    objects.push(
      p.kind === 'cnp'
        ? { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: `cnp-${i}` }, spec }
        : { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: `anp-${i}` }, spec },
    );
  });
  if (input.banp) {
    const spec: Record<string, unknown> = { subject: input.banp.subject };
    if (input.banp.ingress.length > 0) spec['ingress'] = input.banp.ingress;
    if (input.banp.egress.length > 0) spec['egress'] = input.banp.egress;
    objects.push({ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec });
  }
  return objects;
}

export const buildTiered = (input: TieredInput): Cluster => clusterOf(tieredManifestsOf(input));
