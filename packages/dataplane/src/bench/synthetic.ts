import { buildCluster, loadSources, type Cluster } from '@kordon/engine';

/** A deterministic cluster for dataplane benchmarks: realistic shapes, no randomness, so runs compare. */
export interface SyntheticSpec {
  pods: number;
  policies: number;
  namespaces?: number;
  nodes?: number;
  /** Pods of node-0 (the node compiled for); the rest spread evenly over the other nodes. */
  podsOnNode0?: number;
  /** ClusterNetworkPolicies of both tiers (default none): Admin guardrails and delegations, Baseline defaults. */
  clusterPolicies?: number;
}

type Obj = Record<string, unknown>;

/** The address of synthetic pod i. */
export function syntheticIP(i: number): string {
  const n = i + 1;
  return `10.${100 + Math.floor(n / 65536)}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

export function syntheticObjects(spec: SyntheticSpec): Obj[] {
  const nsCount = spec.namespaces ?? 20;
  const nodes = spec.nodes ?? 10;
  const apps = 25;
  const objs: Obj[] = [];
  for (let n = 0; n < nsCount; n++) objs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns${n}`, labels: { team: `t${n % 5}`, env: n % 2 ? 'prod' : 'dev' } } });
  for (let i = 0; i < spec.pods; i++) {
    const node0 = spec.podsOnNode0 ?? Math.ceil(spec.pods / nodes);
    const node = i < node0 ? 0 : 1 + ((i - node0) % Math.max(1, nodes - 1));
    objs.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `p${i}`, namespace: `ns${i % nsCount}`, labels: { app: `app${i % apps}`, tier: ['web', 'api', 'db'][i % 3] } },
      spec: { nodeName: `node-${node}`, containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8000 + (i % 7) }, { name: 'metrics', containerPort: 9100 }] }] },
      status: { phase: 'Running', podIP: syntheticIP(i), hostIP: `192.168.0.${node + 1}` },
    });
  }
  for (let k = 0; k < spec.policies; k++) {
    const shape = k % 4;
    const namespace = `ns${k % nsCount}`;
    const podSelector = { matchLabels: { app: `app${k % apps}` } };
    let body: Obj;
    if (shape === 0) {
      // Each policy opens its own port, so the ruleset grows with the number of policies.
      body = { podSelector, ingress: [{ from: [{ podSelector: { matchLabels: { tier: ['web', 'api', 'db'][k % 3] } } }], ports: [{ port: 10000 + (k % 50000) }, { port: 'http' }] }] };
    } else if (shape === 1) {
      body = {
        podSelector,
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `t${k % 5}` } }, podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] } }], ports: [{ port: 8000, endPort: 8100 }] }],
      };
    } else if (shape === 2) {
      body = {
        podSelector,
        policyTypes: ['Egress'],
        egress: [
          { to: [{ ipBlock: { cidr: `172.${16 + (k % 16)}.0.0/16`, except: [`172.${16 + (k % 16)}.${k % 256}.0/24`] } }], ports: [{ port: 443 }, { protocol: 'UDP', port: 53 }] },
          { to: [{ namespaceSelector: { matchLabels: { env: 'prod' } } }] },
        ],
      };
    } else {
      body = { podSelector, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 'metrics' }] }], egress: [{ to: [{ podSelector: { matchLabels: { tier: 'db' } } }], ports: [{ port: 5432 }] }] };
    }
    objs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `pol${k}`, namespace }, spec: body });
  }
  for (let k = 0; k < (spec.clusterPolicies ?? 0); k++) objs.push(syntheticClusterPolicy(k, apps));
  return objs;
}

/**
 * Cluster policy k: even ones Admin (a Deny from the other environment on a port, a Pass to NetworkPolicy for the
 * team's own pods), odd ones Baseline (a default Deny of ingress from every namespace, DNS egress accepted).
 */
function syntheticClusterPolicy(k: number, apps: number): Obj {
  const team = { matchLabels: { team: `t${k % 5}` } };
  const tcp = (port: number): Obj => ({ tcp: { destinationPort: { number: port } } });
  const spec: Obj =
    k % 2 === 0
      ? {
          tier: 'Admin',
          priority: k,
          subject: { namespaces: team },
          ingress: [
            { name: 'no-cross-env', action: 'Deny', from: [{ namespaces: { matchLabels: { env: k % 4 ? 'dev' : 'prod' } } }], protocols: [tcp(7000 + (k % 100))] },
            { name: 'own-team', action: 'Pass', from: [{ pods: { namespaceSelector: team, podSelector: { matchLabels: { app: `app${k % apps}` } } } }] },
          ],
        }
      : {
          tier: 'Baseline',
          priority: k,
          subject: { pods: { namespaceSelector: team, podSelector: { matchLabels: { tier: ['web', 'api', 'db'][k % 3] } } } },
          ingress: [{ name: 'default-deny', action: 'Deny', from: [{ namespaces: {} }] }],
          egress: [{ name: 'dns', action: 'Accept', to: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'ns0' } } }], protocols: [{ udp: { destinationPort: { number: 53 } } }] }],
        };
  return { apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: `cnp${k}` }, spec };
}

export function syntheticCluster(spec: SyntheticSpec): Cluster {
  const loaded = loadSources([{ name: 'synthetic.json', text: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: syntheticObjects(spec) }) }]);
  return buildCluster(loaded.objects, { trusted: true }).cluster;
}
