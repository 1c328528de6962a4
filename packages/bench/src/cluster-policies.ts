import type { ClusterBuilder } from './builder.js';
import type { ClusterNetworkPolicy, CnpPeer, CnpProtocol, CnpRule, LabelSelector } from './k8s.js';
import { Prng } from './prng.js';

/**
 * Cluster policies over a generated cluster, in the shapes platform teams write (network-policy-api user stories):
 * Admin guardrails (deny dev → prod, deny the metadata address, always allow DNS and monitoring), Pass to delegate a
 * team's own traffic to its NetworkPolicies, per-application Accept and Deny with ports, and Baseline defaults (deny
 * other teams, accept the same namespace, deny the internet). Both tiers, every action, named ports and ranges.
 *
 * They draw from their own random stream, after the rest of the cluster is built, so the cluster with them is the
 * cluster without them plus these objects: the two can be compared directly.
 */
export function addClusterPolicies(b: ClusterBuilder, count: number, seed: number): void {
  if (count <= 0) return;
  const rng = new Prng((seed ^ 0x27d4eb2f) >>> 0);
  const spaces = b.namespaces
    .filter((n) => n.metadata.labels?.['team'] !== undefined)
    .map((n) => ({ name: n.metadata.name, team: n.metadata.labels!['team']!, env: n.metadata.labels!['env'] ?? 'dev' }));
  if (spaces.length === 0) throw new Error('cluster policies need namespaces with team labels (the realistic presets)');
  const apps = new Map<string, string[]>();
  for (const p of b.pods) {
    const app = p.metadata.labels?.['app'];
    if (!app) continue;
    const l = apps.get(p.metadata.namespace!);
    if (!l) apps.set(p.metadata.namespace!, [app]);
    else if (!l.includes(app)) l.push(app);
  }
  const teams = [...new Set(spaces.map((s) => s.team))].sort();
  const ns = (sel: LabelSelector): CnpPeer => ({ namespaces: sel });
  const byName = (name: string): LabelSelector => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });
  const appOf = (space: string) => rng.pick(apps.get(space) ?? ['none']);
  const podsPeer = (space: { name: string }): CnpPeer => ({ pods: { namespaceSelector: byName(space.name), podSelector: { matchLabels: { app: appOf(space.name) } } } });
  const tcp = (port: number): CnpProtocol => ({ tcp: { destinationPort: { number: port } } });
  // Named ports are not allowed beside address peers (the CRD's CEL rule): those rules pass `addresses`.
  const someProtocols = (addresses = false): CnpProtocol[] | undefined => {
    const r = rng.float();
    if (r < 0.4) return undefined;
    if (r < 0.6) return [tcp(rng.pick([80, 443, 8080, 5432, 6379]))];
    if (r < 0.72) return addresses ? [tcp(443)] : [{ destinationNamedPort: rng.pick(['http', 'grpc', 'metrics']) }];
    if (r < 0.82) return [{ tcp: { destinationPort: { range: { start: 8000, end: 8100 } } } }];
    if (r < 0.9) return [{ udp: { destinationPort: { number: 53 } } }, tcp(53)];
    return [{ tcp: { destinationPort: { range: { start: 1, end: 65535 } } } }];
  };
  const with_ = (rule: CnpRule, protocols: CnpProtocol[] | undefined): CnpRule => (protocols ? { ...rule, protocols } : rule);

  type Shape = (i: number) => Pick<ClusterNetworkPolicy['spec'], 'tier' | 'subject' | 'ingress' | 'egress'>;
  const shapes: Record<string, Shape> = {
    'deny-dev-to-prod': () => ({ tier: 'Admin', subject: { namespaces: { matchLabels: { env: 'prod' } } }, ingress: [{ name: 'no-dev', action: 'Deny', from: [ns({ matchLabels: { env: 'dev' } })] }] }),
    'pass-team': () => {
      const t = rng.pick(teams);
      return { tier: 'Admin', subject: { namespaces: { matchLabels: { team: t } } }, ingress: [with_({ name: 'own-team', action: 'Pass', from: [ns({ matchLabels: { team: t } })] }, someProtocols())] };
    },
    'accept-dns': () => ({
      tier: 'Admin',
      subject: { namespaces: { matchLabels: { team: rng.pick(teams) } } },
      egress: [{ name: 'dns', action: 'Accept', to: [{ pods: { namespaceSelector: byName('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } } }], protocols: [{ udp: { destinationPort: { number: 53 } } }, tcp(53)] }],
    }),
    'accept-monitoring': () => ({
      tier: 'Admin',
      subject: { namespaces: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] } },
      ingress: [{ name: 'scrape', action: 'Accept', from: [ns({ matchLabels: { team: rng.pick(teams) } })], protocols: [{ destinationNamedPort: 'metrics' }] }],
    }),
    'deny-metadata': () => ({ tier: 'Admin', subject: { namespaces: { matchLabels: { env: rng.pick(['prod', 'staging', 'dev']) } } }, egress: [{ name: 'metadata', action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] }),
    'app-accept': () => {
      const s = rng.pick(spaces);
      const from = Array.from({ length: rng.int(1, 3) }, () => podsPeer(rng.pick(spaces)));
      return { tier: 'Admin', subject: { pods: { namespaceSelector: byName(s.name), podSelector: { matchLabels: { app: appOf(s.name) } } } }, ingress: [with_({ name: 'callers', action: 'Accept', from }, someProtocols())] };
    },
    'app-deny': () => {
      const s = rng.pick(spaces);
      const to = rng.chance(0.5) ? [ns({ matchLabels: { env: 'dev' } })] : [podsPeer(rng.pick(spaces))];
      return { tier: 'Admin', subject: { pods: { namespaceSelector: byName(s.name), podSelector: { matchLabels: { app: appOf(s.name) } } } }, egress: [with_({ name: 'blocked', action: 'Deny', to }, someProtocols())] };
    },
    'baseline-deny-other-teams': () => {
      const t = rng.pick(teams);
      return {
        tier: 'Baseline',
        subject: { namespaces: { matchLabels: { team: t } } },
        ingress: [
          { name: 'same-team', action: 'Accept', from: [ns({ matchLabels: { team: t } })] },
          { name: 'others', action: 'Deny', from: [ns({ matchExpressions: [{ key: 'team', operator: 'NotIn', values: [t] }] })] },
        ],
      };
    },
    'baseline-egress': () => ({
      tier: 'Baseline',
      subject: { namespaces: { matchLabels: { team: rng.pick(teams) } } },
      egress: [
        { name: 'cluster', action: 'Accept', to: [{ networks: ['10.0.0.0/8'] }] },
        with_({ name: 'internet', action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }, someProtocols(true)),
      ],
    }),
    'baseline-app': () => {
      const s = rng.pick(spaces);
      return {
        tier: 'Baseline',
        subject: { pods: { namespaceSelector: byName(s.name), podSelector: { matchLabels: { app: appOf(s.name) } } } },
        ingress: [with_({ name: 'neighbours', action: rng.chance(0.5) ? 'Accept' : 'Deny', from: [ns(byName(s.name))] }, someProtocols())],
      };
    },
  };
  const weights: Record<string, number> = {
    'deny-dev-to-prod': 0.03,
    'pass-team': 0.1,
    'accept-dns': 0.07,
    'accept-monitoring': 0.05,
    'deny-metadata': 0.03,
    'app-accept': 0.25,
    'app-deny': 0.12,
    'baseline-deny-other-teams': 0.1,
    'baseline-egress': 0.05,
    'baseline-app': 0.2,
  };
  for (let i = 0; i < count; i++) {
    const shape = rng.weighted(weights);
    const spec = shapes[shape]!(i);
    const name = `${shape}-${i}`;
    if (!b.claim('', `cnp:${name}`)) throw new Error(`cluster policy ${name} generated twice`);
    b.clusterPolicies.push({
      apiVersion: 'policy.networking.k8s.io/v1alpha2',
      kind: 'ClusterNetworkPolicy',
      metadata: { name, uid: b.uid() },
      spec: { tier: spec.tier, priority: rng.int(0, 1000), subject: spec.subject, ...(spec.ingress ? { ingress: spec.ingress } : {}), ...(spec.egress ? { egress: spec.egress } : {}) },
    });
  }
}
