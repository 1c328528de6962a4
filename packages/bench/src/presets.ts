import { ClusterBuilder, PAUSE_IMAGE, pauseContainer, type OwnerRef } from './builder.js';
import type {
  Container,
  ContainerPort,
  LabelSelector,
  LabelSelectorRequirement,
  Labels,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  PolicyType,
  Protocol,
  ServicePort,
} from './k8s.js';
import { apportion, Zipf } from './prng.js';

export const PRESET_NAMES = [
  'realistic',
  'realistic-diverse',
  'kano',
  'antrea-small-ns',
  'antrea-large-ns',
  'antrea-one-ns',
  'antrea-netpol-per-pod',
  'antrea-cluster-scoped',
  'cilium-1000',
  'cyclonus',
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Sizes asked for; each preset documents which it accepts and how it rounds. */
export interface SizeParams {
  pods?: number;
  policies?: number;
  namespaces?: number;
}

/** Sizes a preset will produce (exactly). */
export interface ResolvedSizes {
  pods: number;
  policies: number;
  namespaces: number;
}

export interface Preset {
  name: PresetName;
  description: string;
  /** Exact object counts for the given parameters; throws when the parameters do not fit the preset's shape. */
  resolve(params: SizeParams): ResolvedSizes;
  build(b: ClusterBuilder, sizes: ResolvedSizes): void;
}

// ---------------------------------------------------------------------------------------------
// Presets built from a repeated unit (Antrea's getXObjects, Cilium's deployments).

/**
 * For presets that repeat one unit: every given size must be a whole number of units, and all given sizes
 * must agree on the number of units.
 */
function unitResolver(preset: string, unit: ResolvedSizes, defaultUnits: number, fixedNamespaces?: number) {
  return (p: SizeParams): ResolvedSizes => {
    const asks: [keyof ResolvedSizes, number][] = [];
    for (const k of ['pods', 'policies', 'namespaces'] as const) {
      const v = p[k];
      if (v === undefined) continue;
      if (k === 'namespaces' && fixedNamespaces !== undefined) {
        if (v !== fixedNamespaces) throw new Error(`${preset} always has ${fixedNamespaces} namespace(s)`);
        continue;
      }
      if (!Number.isInteger(v) || v <= 0 || v % unit[k] !== 0) throw new Error(`${preset}: ${k} must be a positive multiple of ${unit[k]}`);
      asks.push([k, v / unit[k]]);
    }
    const units = asks.length > 0 ? asks[0]![1] : defaultUnits;
    for (const [k, u] of asks) if (u !== units) throw new Error(`${preset}: ${k}=${p[k]} disagrees with ${asks[0]![0]}=${p[asks[0]![0]]} (units of ${unit.pods} pods / ${unit.policies} policies / ${unit.namespaces} namespaces)`);
    return { pods: unit.pods * units, policies: unit.policies * units, namespaces: fixedNamespaces ?? unit.namespaces * units };
  };
}

/** Antrea's newNetworkPolicy: policyTypes Ingress+Egress, optional one-peer ingress rule. */
function antreaPolicy(podSelector: Labels | null, ingressPods: Labels | null, ingressNamespaces: Labels | null) {
  const spec: { podSelector: LabelSelector; policyTypes: PolicyType[]; ingress?: { from: NetworkPolicyPeer[] }[] } = {
    podSelector: podSelector ? { matchLabels: { ...podSelector } } : {},
    policyTypes: ['Ingress', 'Egress'],
  };
  if (ingressPods || ingressNamespaces) {
    const peer: NetworkPolicyPeer = {};
    if (ingressPods) peer.podSelector = { matchLabels: { ...ingressPods } };
    if (ingressNamespaces) peer.namespaceSelector = { matchLabels: { ...ingressNamespaces } };
    spec.ingress = [{ from: [peer] }];
  }
  return spec;
}

/** Antrea's newNamespace(rand.String(8), {app: <name>}). */
function antreaNamespace(b: ClusterBuilder): string {
  const ns = b.uniqueSuffix('', '', 8);
  b.addNamespace(ns, { app: ns });
  return ns;
}

const antreaSmallNs: Preset = {
  name: 'antrea-small-ns',
  description: 'Antrea TestInitXLargeScaleWithSmallNamespaces: namespaces of 4 pods and 3 policies (default 25,000 → 100k pods, 75k policies)',
  resolve: unitResolver('antrea-small-ns', { pods: 4, policies: 3, namespaces: 1 }, 25_000),
  build(b, sizes) {
    for (let u = 0; u < sizes.namespaces; u++) {
      const ns = antreaNamespace(b);
      b.addPolicy(ns, 'default-deny-all', antreaPolicy(null, null, null));
      b.addPolicy(ns, 'np-1', antreaPolicy({ 'app-1': 'scale-1' }, { 'app-1': 'scale-1' }, null));
      b.addPolicy(ns, 'np-2', antreaPolicy({ 'app-2': 'scale-2' }, { 'app-2': 'scale-2' }, null));
      b.addPod(ns, 'pod1', { 'app-1': 'scale-1' }, [pauseContainer()]);
      b.addPod(ns, 'pod2', { 'app-1': 'scale-1' }, [pauseContainer()]);
      b.addPod(ns, 'pod3', { 'app-2': 'scale-2' }, [pauseContainer()]);
      b.addPod(ns, 'pod4', { 'app-2': 'scale-2' }, [pauseContainer()]);
    }
  },
};

const antreaLargeNs: Preset = {
  name: 'antrea-large-ns',
  description: 'Antrea TestInitXLargeScaleWithLargeNamespaces: namespaces of 1000 pods in 100 groups, 1 default-deny + 100 policies (default 100 → 100k pods, 10.1k policies)',
  resolve: unitResolver('antrea-large-ns', { pods: 1000, policies: 101, namespaces: 1 }, 100),
  build(b, sizes) {
    for (let u = 0; u < sizes.namespaces; u++) {
      const ns = antreaNamespace(b);
      b.addPolicy(ns, 'default-deny-all', antreaPolicy(null, null, null));
      for (let i = 0; i < 100; i++) {
        const labels = { [`app-${i}`]: `scale-${i}` };
        b.addPolicy(ns, `np-${i}`, antreaPolicy(labels, labels, null));
        for (let j = 0; j < 10; j++) b.addPod(ns, `pod-${i}-${j}`, { ...labels }, [pauseContainer()]);
      }
    }
  },
};

const antreaOneNs: Preset = {
  name: 'antrea-one-ns',
  description: 'Antrea TestInitXLargeScaleWithOneNamespace: 1 namespace, N pods app-1=scale-1, N identical policies selecting and admitting all of them (default 10k)',
  resolve: unitResolver('antrea-one-ns', { pods: 1, policies: 1, namespaces: 1 }, 10_000, 1),
  build(b, sizes) {
    const ns = antreaNamespace(b);
    const labels = { 'app-1': 'scale-1' };
    for (let u = 0; u < sizes.pods; u++) {
      b.addPolicy(ns, b.uniqueSuffix(ns, 'np-', 8), antreaPolicy(labels, labels, null));
      b.addPod(ns, b.uniqueSuffix(ns, 'pod-', 8), { ...labels }, [pauseContainer()]);
    }
  },
};

const antreaNetpolPerPod: Preset = {
  name: 'antrea-netpol-per-pod',
  description: 'Antrea getXLargeScaleWithNetpolPerPod: 1 namespace, pairs of pods, one policy per pod admitting only its partner (default 5k pairs → 10k pods, 10k policies)',
  resolve: unitResolver('antrea-netpol-per-pod', { pods: 2, policies: 2, namespaces: 1 }, 5_000, 1),
  build(b, sizes) {
    const ns = antreaNamespace(b);
    for (let u = 0; u < sizes.pods / 2; u++) {
      const l1 = { app: b.uniqueSuffix('', 'scale-', 8) };
      const l2 = { app: b.uniqueSuffix('', 'scale-', 8) };
      b.addPolicy(ns, b.uniqueSuffix(ns, 'np-', 8), antreaPolicy(l1, l2, null));
      b.addPolicy(ns, b.uniqueSuffix(ns, 'np-', 8), antreaPolicy(l2, l1, null));
      b.addPod(ns, b.uniqueSuffix(ns, 'pod-', 8), l1, [pauseContainer()]);
      b.addPod(ns, b.uniqueSuffix(ns, 'pod-', 8), l2, [pauseContainer()]);
    }
  },
};

const antreaClusterScoped: Preset = {
  name: 'antrea-cluster-scoped',
  description: 'Antrea getXLargeScaleWithClusterScopedNetpol: namespaces labelled company=company-(i mod 100), 100 pods and 10 policies each admitting the same app from namespaces of the same company (default 1000 → 100k pods, 10k policies)',
  resolve: unitResolver('antrea-cluster-scoped', { pods: 100, policies: 10, namespaces: 1 }, 1_000),
  build(b, sizes) {
    for (let u = 0; u < sizes.namespaces; u++) {
      const company = `company-${u % 100}`;
      const ns = b.uniqueSuffix('', `${company}-`, 8);
      const nsLabels = { company };
      b.addNamespace(ns, nsLabels);
      for (let j = 0; j < 10; j++) {
        const labels = { app: `scale-${j}` };
        b.addPolicy(ns, `np-${j}`, antreaPolicy(labels, labels, nsLabels));
        for (let k = 0; k < 10; k++) b.addPod(ns, `pod-${j}-${k}`, { ...labels }, [pauseContainer()]);
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Cilium 1000-node scalability report.

const CILIUM_NAMESPACES = 5;
const CILIUM_DEPLOYMENTS = 50;

const cilium1000: Preset = {
  name: 'cilium-1000',
  description:
    'Cilium 1000-node report: 5 namespaces × 50 deployments × R replicas (default 200 → 50k pods); K policies in the first namespace selecting all its pods, each on its own port, plus K per namespace selecting every pod (default K=250 → 1500 policies)',
  resolve(p) {
    const unitPods = CILIUM_NAMESPACES * CILIUM_DEPLOYMENTS;
    const unitPolicies = 1 + CILIUM_NAMESPACES;
    if (p.namespaces !== undefined && p.namespaces !== CILIUM_NAMESPACES) throw new Error(`cilium-1000 always has ${CILIUM_NAMESPACES} namespaces`);
    const pods = p.pods ?? unitPods * 200;
    const policies = p.policies ?? unitPolicies * 250;
    if (!Number.isInteger(pods) || pods <= 0 || pods % unitPods !== 0) throw new Error(`cilium-1000: pods must be a positive multiple of ${unitPods}`);
    if (!Number.isInteger(policies) || policies <= 0 || policies % unitPolicies !== 0) throw new Error(`cilium-1000: policies must be a positive multiple of ${unitPolicies}`);
    if (policies / unitPolicies > 25_000) throw new Error('cilium-1000: at most 25,000 policies per group (each needs its own port)');
    return { pods, policies, namespaces: CILIUM_NAMESPACES };
  },
  build(b, sizes) {
    const replicas = sizes.pods / (CILIUM_NAMESPACES * CILIUM_DEPLOYMENTS);
    const k = sizes.policies / (1 + CILIUM_NAMESPACES);
    const names: string[] = [];
    for (let n = 0; n < CILIUM_NAMESPACES; n++) {
      const ns = `namespace-${n + 1}`;
      names.push(ns);
      b.addNamespace(ns);
      for (let d = 0; d < CILIUM_DEPLOYMENTS; d++) {
        const app = `deployment-${d}`;
        const hash = b.idString(10);
        const labels = { app, 'pod-template-hash': hash };
        const containers: Container[] = [{ name: 'app', image: PAUSE_IMAGE, ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }];
        const rs = b.addDeployment(ns, app, hash, labels, replicas, containers);
        for (let r = 0; r < replicas; r++) b.addPod(ns, b.uniqueSuffix(ns, `${rs.name}-`, 5), { ...labels }, containers, rs);
      }
    }
    // Disjoint ports: 10000+i for the namespace-scoped group, 40000+i for the every-pod group.
    for (let i = 0; i < k; i++) {
      b.addPolicy(names[0]!, `cnp-${i}`, { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ protocol: 'TCP', port: 10_000 + i }] }] });
    }
    for (const ns of names) {
      for (let i = 0; i < k; i++) {
        b.addPolicy(ns, `ccnp-${i}`, {
          podSelector: {},
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 40_000 + i }] }],
        });
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Kano-py's generator (oubotong/Kubernetes-verification kano_py/tests/generate.py), with unique policy names.

const kano: Preset = {
  name: 'kano',
  description: "Kano-py's generator: 1 namespace `default`; pods User=userK plus 0–4 keyX=valueY; each policy selects one random pod's labels (User + ≤3) and admits one direction from another's (default P = N/2)",
  resolve(p) {
    if (p.namespaces !== undefined && p.namespaces !== 1) throw new Error('kano always has 1 namespace');
    const pods = p.pods ?? 1000;
    const policies = p.policies ?? Math.floor(pods / 2);
    if (!Number.isInteger(pods) || pods < 2) throw new Error('kano: pods must be an integer >= 2');
    if (!Number.isInteger(policies) || policies < 0) throw new Error('kano: policies must be an integer >= 0');
    return { pods, policies, namespaces: 1 };
  },
  build(b, sizes) {
    const rng = b.rng;
    const ns = 'default';
    b.addNamespace(ns);
    const all: Labels[] = [];
    for (let i = 0; i < sizes.pods; i++) {
      // Insertion order matters: a policy copies User and then the first three other keys, as Kano-py does.
      const labels: Labels = { User: `user${rng.int(0, 4)}` };
      const extra = rng.int(0, 4);
      for (let l = 0; l < extra; l++) labels[`key${rng.int(0, 4)}`] = `value${rng.int(0, 9)}`;
      all.push(labels);
      b.addPod(ns, `pod${i}`, labels, [pauseContainer()]);
    }
    const selectorOf = (labels: Labels): Labels => {
      const out: Labels = { User: labels['User']! };
      let count = 0;
      for (const [k, v] of Object.entries(labels)) {
        if (count >= 3) break;
        if (k === 'User') continue;
        out[k] = v;
        count++;
      }
      return out;
    };
    for (let i = 0; i < sizes.policies; i++) {
      // random.sample(containers, 2): two distinct pods.
      const a = rng.int(0, sizes.pods - 1);
      let c = rng.int(0, sizes.pods - 2);
      if (c >= a) c++;
      const peer: NetworkPolicyPeer[] = [{ podSelector: { matchLabels: selectorOf(all[c]!) } }];
      const podSelector = { matchLabels: selectorOf(all[a]!) };
      if (rng.chance(0.5)) b.addPolicy(ns, `policy${i}`, { podSelector, policyTypes: ['Ingress'], ingress: [{ from: peer }] });
      else b.addPolicy(ns, `policy${i}`, { podSelector, policyTypes: ['Egress'], egress: [{ to: peer }] });
    }
  },
};

// ---------------------------------------------------------------------------------------------
// policy-assistant (cyclonus) probe grid.

const CYCLONUS_PORTS: ContainerPort[] = [];
for (const port of [80, 81]) for (const protocol of ['TCP', 'UDP', 'SCTP'] as const) CYCLONUS_PORTS.push({ name: `serve-${port}-${protocol.toLowerCase()}`, containerPort: port, protocol });

const cyclonus: Preset = {
  name: 'cyclonus',
  description: 'policy-assistant probe grid: namespaces x, y, z × pods a, b, c serving 80 and 81 on TCP, UDP and SCTP (named serve-80-tcp …), with P policies drawn from its selector catalogue (default 10)',
  resolve(p) {
    if (p.namespaces !== undefined && p.namespaces !== 3) throw new Error('cyclonus always has 3 namespaces');
    if (p.pods !== undefined && p.pods !== 9) throw new Error('cyclonus always has 9 pods');
    const policies = p.policies ?? 10;
    if (!Number.isInteger(policies) || policies < 0) throw new Error('cyclonus: policies must be an integer >= 0');
    return { pods: 9, policies, namespaces: 3 };
  },
  build(b, sizes) {
    const rng = b.rng;
    for (const ns of ['x', 'y', 'z']) {
      b.addNamespace(ns, { ns });
      for (const pod of ['a', 'b', 'c']) {
        const containers: Container[] = CYCLONUS_PORTS.map((cp) => ({ name: `cont-${cp.containerPort}-${cp.protocol.toLowerCase()}`, image: 'registry.k8s.io/e2e-test-images/agnhost:2.43', ports: [{ ...cp }] }));
        b.addPod(ns, pod, { pod }, containers);
      }
    }
    const podSelectors: (() => LabelSelector)[] = [
      () => ({}),
      () => ({ matchLabels: { pod: 'a' } }),
      () => ({ matchLabels: { pod: 'c' } }),
      () => ({ matchExpressions: [{ key: 'pod', operator: 'In', values: ['a', 'b'] }] }),
      () => ({ matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] }),
    ];
    const nsSelectors: (() => LabelSelector)[] = [
      () => ({}),
      () => ({ matchLabels: { ns: 'x' } }),
      () => ({ matchExpressions: [{ key: 'ns', operator: 'In', values: ['x', 'y'] }] }),
      () => ({ matchExpressions: [{ key: 'ns', operator: 'In', values: ['y', 'z'] }] }),
      () => ({ matchLabels: { 'kubernetes.io/metadata.name': 'z' } }),
    ];
    const portChoices: (() => NetworkPolicyPort)[] = [
      () => ({ port: 80 }),
      () => ({ port: 81, protocol: 'TCP' }),
      () => ({ port: 80, protocol: 'UDP' }),
      () => ({ port: 81, protocol: 'SCTP' }),
      () => ({ port: 'serve-80-tcp' }),
      () => ({ port: 'serve-81-udp', protocol: 'UDP' }),
      () => ({ port: 'serve-80-sctp', protocol: 'SCTP' }),
      () => ({ port: 79, endPort: 81, protocol: 'TCP' }),
      () => ({ protocol: 'UDP' }),
    ];
    const peer = (): NetworkPolicyPeer => {
      switch (rng.int(0, 3)) {
        case 0:
          return { podSelector: rng.pick(podSelectors)() };
        case 1:
          return { namespaceSelector: rng.pick(nsSelectors)() };
        case 2:
          return { podSelector: rng.pick(podSelectors)(), namespaceSelector: rng.pick(nsSelectors)() };
        default:
          return { ipBlock: { cidr: '10.0.0.0/12', except: ['10.0.0.0/24'] } };
      }
    };
    const rules = () =>
      Array.from({ length: rng.int(0, 2) }, () => {
        const r: { peers?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] } = {};
        const np = rng.int(0, 2);
        if (np > 0) r.peers = Array.from({ length: np }, peer);
        const pp = rng.int(0, 2);
        if (pp > 0) r.ports = Array.from({ length: pp }, () => rng.pick(portChoices)());
        return r;
      });
    for (let i = 0; i < sizes.policies; i++) {
      const ns = rng.pick(['x', 'y', 'z']);
      const dirs = rng.pick<PolicyType[]>([['Ingress'], ['Egress'], ['Ingress', 'Egress']]);
      const spec: Parameters<ClusterBuilder['addPolicy']>[2] = { podSelector: rng.pick(podSelectors)(), policyTypes: dirs };
      if (dirs.includes('Ingress')) spec.ingress = rules().map((r) => ({ ...(r.peers ? { from: r.peers } : {}), ...(r.ports ? { ports: r.ports } : {}) }));
      if (dirs.includes('Egress')) spec.egress = rules().map((r) => ({ ...(r.peers ? { to: r.peers } : {}), ...(r.ports ? { ports: r.ports } : {}) }));
      b.addPolicy(ns, `policy-${i}`, spec);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// realistic: performance.md §4's default mix.

const TIERS = ['web', 'api', 'db', 'cache', 'worker'] as const;
const NOUNS = ['cart', 'checkout', 'catalog', 'search', 'auth', 'billing', 'orders', 'users', 'inventory', 'shipping', 'reviews', 'email', 'ledger', 'gateway', 'ranker', 'media', 'notify', 'quotes', 'session', 'reports'];
const NS_WORDS = ['payments', 'storefront', 'identity', 'analytics', 'platform', 'logistics', 'support', 'marketing', 'data', 'ml', 'risk', 'growth', 'infra', 'core', 'partners', 'mobile'];

interface NamedPortDef {
  name: string;
  port: number;
  protocol: Protocol;
  /** Other numbers used for the same name in the conflicting workloads. */
  conflicts: readonly number[];
  /** The Service port fronting it. */
  servicePort: number;
  probability: number;
}

const NAMED_PORTS: readonly NamedPortDef[] = [
  { name: 'http', port: 8080, protocol: 'TCP', conflicts: [8000, 80, 8081], servicePort: 80, probability: 0.9 },
  { name: 'grpc', port: 9090, protocol: 'TCP', conflicts: [50051, 9091], servicePort: 9090, probability: 0.4 },
  { name: 'metrics', port: 9100, protocol: 'TCP', conflicts: [8080, 9102], servicePort: 9100, probability: 0.6 },
  { name: 'dns', port: 53, protocol: 'UDP', conflicts: [5353], servicePort: 53, probability: 0.05 },
  { name: 'diameter', port: 3868, protocol: 'SCTP', conflicts: [3869], servicePort: 3868, probability: 0.03 },
];
const NUMERIC_PORTS = [80, 443, 8080, 8443, 9090, 9100, 5432, 6379, 3306, 53, 3868, 11211, 27017];
const RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

interface Workload {
  app: string;
  tier: string;
  labels: Labels;
  /** Named ports of the workload's containers, name → (number, protocol). */
  ports: { name: string; port: number; protocol: Protocol }[];
  /** Names and addresses of its pods. */
  pods: { name: string; ip: string }[];
  statefulSet: boolean;
}

/**
 * `realistic-diverse` adds the label and address diversity of real clusters to `realistic`: pods that share a workload
 * still differ in labels no selector needs and in addresses that ipBlocks cut through.
 */
interface Diversity {
  /** Share of workloads that are StatefulSets (each pod its own `statefulset.kubernetes.io/pod-name`). */
  statefulSets: number;
  /** Share of Deployments caught mid-rollout: two ReplicaSets, two `pod-template-hash` values. */
  rollouts: number;
}
const DIVERSE: Diversity = { statefulSets: 0.3, rollouts: 0.15 };

interface AppNamespace {
  name: string;
  team: string;
  env: string;
  pods: number;
  workloads: Workload[];
}

const REALISTIC_DESCRIPTION =
  'performance.md §4 default mix: Zipf-sized namespaces with team/env labels, workloads of geometric size (mean 4) with named ports (10 % conflicting), Services, kube-system with kube-dns, and default-deny / allow-DNS / same-namespace / pod / namespace / ipBlock / mixed policies';

const realistic = realisticPreset('realistic', REALISTIC_DESCRIPTION);
const realisticDiverse = realisticPreset(
  'realistic-diverse',
  `${REALISTIC_DESCRIPTION}; plus the diversity of real clusters: ${DIVERSE.statefulSets * 100} % of workloads are StatefulSets whose pods each carry their own statefulset.kubernetes.io/pod-name and apps.kubernetes.io/pod-index, ${DIVERSE.rollouts * 100} % of Deployments are mid-rollout (two pod-template-hash values), and ipBlocks cut through the pods' own addresses (node /24s excepted from /16s, node /24s, single pods' /32s); a few policies select one StatefulSet pod by name`,
  DIVERSE,
);

function realisticPreset(name: PresetName, description: string, diversity?: Diversity): Preset {
  return {
  name,
  description,
  resolve(p) {
    const pods = p.pods ?? 1000;
    const namespaces = p.namespaces ?? Math.max(2, Math.round(pods / 100));
    const policies = p.policies ?? Math.round(pods / 5);
    if (!Number.isInteger(namespaces) || namespaces < 2) throw new Error('realistic: namespaces must be an integer >= 2 (kube-system plus at least one)');
    // kube-system holds the 2 kube-dns pods; every other namespace at least one pod.
    if (!Number.isInteger(pods) || pods < namespaces + 1) throw new Error(`realistic: pods must be an integer >= namespaces + 1 (${namespaces + 1})`);
    if (!Number.isInteger(policies) || policies < 0) throw new Error('realistic: policies must be an integer >= 0');
    return { pods, policies, namespaces };
  },
  build(b, sizes) {
    const rng = b.rng;
    // kube-system and cluster DNS, so allow-DNS policies have something to reach.
    b.addNamespace('kube-system');
    const dnsPorts: ContainerPort[] = [
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
      { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
    ];
    const dnsContainers: Container[] = [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.3', ports: dnsPorts }];
    const dnsHash = b.idString(10);
    const dnsLabels = { 'k8s-app': 'kube-dns', 'pod-template-hash': dnsHash };
    const dnsRs = b.addDeployment('kube-system', 'coredns', dnsHash, dnsLabels, 2, dnsContainers);
    for (let r = 0; r < 2; r++) b.addPod('kube-system', b.uniqueSuffix('kube-system', `${dnsRs.name}-`, 5), { ...dnsLabels }, dnsContainers, dnsRs);
    b.addService(
      'kube-system',
      'kube-dns',
      { 'k8s-app': 'kube-dns' },
      [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
      '10.96.0.10',
    );

    // Application namespaces, Zipf-sized over a random order of ranks.
    const appCount = sizes.namespaces - 1;
    const teamZipf = new Zipf(20, 1.1);
    const ranks = rng.shuffle(Array.from({ length: appCount }, (_, i) => i));
    const podCounts = apportion(sizes.pods - 2, ranks.map((r) => 1 / Math.pow(r + 1, 1.2)), 1);
    const spaces: AppNamespace[] = [];
    for (let i = 0; i < appCount; i++) {
      const name = `${rng.pick(NS_WORDS)}-${i}`;
      const team = `team${teamZipf.sample(rng)}`;
      const env = rng.weighted({ prod: 0.5, staging: 0.3, dev: 0.2 });
      b.addNamespace(name, { team, env });
      spaces.push({ name, team, env, pods: podCounts[i]!, workloads: [] });
    }

    for (const space of spaces) {
      let left = space.pods;
      for (let j = 0; left > 0; j++) {
        const replicas = Math.min(rng.geometric(4), left);
        left -= replicas;
        space.workloads.push(addWorkload(b, space.name, `${rng.pick(NOUNS)}-${j}`, replicas, diversity));
      }
    }

    buildRealisticPolicies(b, spaces, sizes.policies, diversity !== undefined);
  },
  };
}

function addWorkload(b: ClusterBuilder, ns: string, app: string, replicas: number, diversity?: Diversity): Workload {
  const rng = b.rng;
  const tier = rng.pick(TIERS);
  const hash = b.idString(10);
  const statefulSet = diversity !== undefined && rng.chance(diversity.statefulSets);
  const labels: Labels = { app, tier, version: rng.chance(0.7) ? 'v1' : 'v2' };
  if (statefulSet) labels['controller-revision-hash'] = `${app}-${hash}`;
  else labels['pod-template-hash'] = hash;
  const extra = rng.int(0, 4);
  for (let l = 0; l < extra; l++) labels[`key${rng.int(0, 4)}`] = `value${rng.int(0, 9)}`;
  const conflict = rng.chance(0.1);
  const ports: Workload['ports'] = [];
  for (const def of NAMED_PORTS) {
    if (!rng.chance(def.probability)) continue;
    ports.push({ name: def.name, port: conflict ? rng.pick(def.conflicts) : def.port, protocol: def.protocol });
  }
  // Metrics often come from a sidecar; the same named port then sits on another container of the pod.
  const sidecar = ports.some((p) => p.name === 'metrics') && rng.chance(0.3);
  const toContainerPort = (p: Workload['ports'][number]): ContainerPort => ({ name: p.name, containerPort: p.port, protocol: p.protocol });
  const main: Container = { name: app.replace(/-\d+$/, ''), image: `registry.example.com/${app.replace(/-\d+$/, '')}:1.${rng.int(0, 20)}` };
  const mainPorts = ports.filter((p) => !(sidecar && p.name === 'metrics')).map(toContainerPort);
  if (mainPorts.length > 0) main.ports = mainPorts;
  const containers: Container[] = [main];
  if (sidecar) containers.push({ name: 'exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2', ports: ports.filter((p) => p.name === 'metrics').map(toContainerPort) });

  const pods = statefulSet ? addStatefulPods(b, ns, app, labels, replicas, containers) : addReplicaPods(b, ns, app, hash, labels, replicas, containers, diversity);
  if (ports.length > 0 && rng.chance(0.8)) {
    const svcPorts: ServicePort[] = ports.map((p) => {
      const def = NAMED_PORTS.find((d) => d.name === p.name)!;
      return { name: p.name, port: def.servicePort, protocol: p.protocol, targetPort: p.name };
    });
    b.addService(ns, app, { app }, svcPorts);
  }
  return { app, tier, labels, ports, pods, statefulSet };
}

function addReplicaPods(b: ClusterBuilder, ns: string, app: string, hash: string, labels: Labels, replicas: number, containers: Container[], diversity?: Diversity): Workload['pods'] {
  // Mid-rollout: the old ReplicaSet keeps some replicas under its own pod-template-hash.
  const old = diversity !== undefined && replicas >= 2 && b.rng.chance(diversity.rollouts) ? b.rng.int(1, replicas - 1) : 0;
  const out: Workload['pods'] = [];
  const add = (podLabels: Labels, count: number, rs: OwnerRef) => {
    for (let r = 0; r < count; r++) {
      const ip = b.nextPodIP();
      out.push({ name: b.addPod(ns, b.uniqueSuffix(ns, `${rs.name}-`, 5), { ...podLabels }, containers, rs).metadata.name, ip });
    }
  };
  add(labels, replicas - old, b.addDeployment(ns, app, hash, labels, replicas - old, containers));
  if (old > 0) {
    const oldHash = b.idString(10);
    const oldLabels = { ...labels, 'pod-template-hash': oldHash };
    add(oldLabels, old, b.addPreviousReplicaSet(ns, app, oldHash, oldLabels, old, containers));
  }
  return out;
}

function addStatefulPods(b: ClusterBuilder, ns: string, app: string, labels: Labels, replicas: number, containers: Container[]): Workload['pods'] {
  const sts = b.addStatefulSet(ns, app, labels, replicas, containers);
  const out: Workload['pods'] = [];
  for (let r = 0; r < replicas; r++) {
    const name = `${app}-${r}`;
    if (!b.claim(ns, name)) throw new Error(`pod ${ns}/${name} generated twice`);
    const ip = b.nextPodIP();
    b.addPod(ns, name, { ...labels, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(r) }, containers, sts);
    out.push({ name, ip });
  }
  return out;
}

function buildRealisticPolicies(b: ClusterBuilder, spaces: AppNamespace[], total: number, diverse: boolean): void {
  const rng = b.rng;
  type Spec = Parameters<ClusterBuilder['addPolicy']>[2];
  const planned: { ns: string; name: string; spec: Spec }[] = [];

  // Per-namespace baseline.
  for (const s of spaces) {
    if (rng.chance(0.7)) planned.push({ ns: s.name, name: 'default-deny-ingress', spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    if (rng.chance(0.3)) {
      if (rng.chance(0.5)) planned.push({ ns: s.name, name: 'default-deny-egress', spec: { podSelector: {}, policyTypes: ['Egress'] } });
      else planned.push({ ns: s.name, name: 'default-deny-all', spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
      planned.push({
        ns: s.name,
        name: 'allow-dns',
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
              ports: [
                { protocol: 'UDP', port: 53 },
                { protocol: 'TCP', port: 53 },
              ],
            },
          ],
        },
      });
    }
    if (rng.chance(0.3)) planned.push({ ns: s.name, name: 'allow-same-namespace', spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] } });
  }
  if (planned.length > total) planned.length = total;
  for (const p of planned) b.addPolicy(p.ns, p.name, p.spec);

  // The rest go where the pods are.
  const cumulative: number[] = [];
  let acc = 0;
  for (const s of spaces) cumulative.push((acc += s.pods));
  const pickSpace = (): AppNamespace => {
    const r = rng.float() * acc;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    return spaces[lo]!;
  };
  const teams = [...new Set(spaces.map((s) => s.team))];
  const gen = new RealisticRules(b, spaces, teams, diverse);
  for (let i = planned.length; i < total; i++) {
    const space = pickSpace();
    const shape = rng.weighted({ pod: 0.4, namespace: 0.2, ipBlock: 0.05, mixed: 0.35 });
    const target = rng.pick(space.workloads);
    const spec = gen.policy(space, target, shape);
    b.addPolicy(space.name, `${shape === 'ipBlock' ? 'ipblock' : `allow-${shape}`}-${target.app}-${i}`, spec);
  }
}

type Shape = 'pod' | 'namespace' | 'ipBlock' | 'mixed';

class RealisticRules {
  constructor(
    private readonly b: ClusterBuilder,
    private readonly spaces: readonly AppNamespace[],
    private readonly teams: readonly string[],
    private readonly diverse: boolean,
  ) {}

  private get rng() {
    return this.b.rng;
  }

  policy(space: AppNamespace, target: Workload, shape: Shape): Parameters<ClusterBuilder['addPolicy']>[2] {
    const rng = this.rng;
    const podSelector = rng.chance(0.05) ? { matchLabels: { tier: target.tier } } : this.selectorFor(space, target);
    let directions: PolicyType[];
    if (shape === 'mixed') directions = rng.pick<PolicyType[]>([['Ingress'], ['Egress'], ['Ingress', 'Egress']]);
    else if (shape === 'ipBlock') directions = [rng.chance(0.5) ? 'Ingress' : 'Egress'];
    else directions = [rng.chance(0.8) ? 'Ingress' : 'Egress'];
    const spec: Parameters<ClusterBuilder['addPolicy']>[2] = { podSelector };
    // Ingress-only policies often leave policyTypes out; the API server defaults it to [Ingress].
    const omitTypes = directions.length === 1 && directions[0] === 'Ingress' && rng.chance(0.2);
    if (!omitTypes) spec.policyTypes = directions;
    for (const dir of directions) {
      const rules = Array.from({ length: rng.int(1, 3) }, () => {
        const peers = Array.from({ length: rng.int(1, 3) }, () => this.peer(space, shape, dir));
        const ports = Array.from({ length: rng.int(0, 3) }, () => this.port(target));
        return { peers, ports };
      });
      if (dir === 'Ingress') spec.ingress = rules.map((r) => (r.ports.length > 0 ? { from: r.peers, ports: r.ports } : { from: r.peers }));
      else spec.egress = rules.map((r) => (r.ports.length > 0 ? { to: r.peers, ports: r.ports } : { to: r.peers }));
    }
    return spec;
  }

  private peer(space: AppNamespace, shape: Shape, dir: PolicyType): NetworkPolicyPeer {
    const rng = this.rng;
    const kind = shape === 'mixed' ? rng.weighted({ pod: 0.45, namespace: 0.2, and: 0.2, ipBlock: 0.15 }) : shape === 'namespace' ? (rng.chance(0.5) ? 'and' : 'namespace') : shape;
    switch (kind) {
      case 'pod':
        return { podSelector: this.selectorFor(space, rng.pick(space.workloads)) };
      case 'namespace':
        return { namespaceSelector: this.namespaceSelector() };
      case 'and': {
        const other = rng.pick(this.spaces);
        const podSelector = rng.chance(0.5) ? { matchLabels: { tier: rng.pick(TIERS) } } : this.selectorFor(other, rng.pick(other.workloads));
        return { namespaceSelector: this.namespaceSelector(other), podSelector };
      }
      default:
        return { ipBlock: this.ipBlock(dir) };
    }
  }

  private namespaceSelector(preferred?: AppNamespace): LabelSelector {
    const rng = this.rng;
    const r = rng.float();
    if (preferred && r < 0.5) return { matchLabels: { 'kubernetes.io/metadata.name': preferred.name } };
    if (r < 0.8) return { matchLabels: { team: rng.pick(this.teams) } };
    if (r < 0.9) return { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] };
    return { matchLabels: { team: rng.pick(this.teams) }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] };
  }

  /** A selector for a workload: app=…, and in 10 % of cases set-based requirements. */
  private selectorFor(space: AppNamespace, w: Workload): LabelSelector {
    const rng = this.rng;
    // One StatefulSet member (the primary of a database, say) picked out by the label its controller gives it.
    if (this.diverse && w.statefulSet && rng.chance(0.05)) return { matchLabels: { 'statefulset.kubernetes.io/pod-name': rng.pick(w.pods).name } };
    if (!rng.chance(0.1)) return { matchLabels: { app: w.app } };
    const extraKeys = Object.keys(w.labels).filter((k) => k.startsWith('key'));
    const op = rng.pick(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const);
    let req: LabelSelectorRequirement;
    switch (op) {
      case 'In': {
        const other = rng.pick(space.workloads).app;
        req = { key: 'app', operator: 'In', values: other === w.app ? [w.app] : [w.app, other].sort() };
        return { matchExpressions: [req] };
      }
      case 'NotIn':
        req = { key: 'version', operator: 'NotIn', values: [w.labels['version'] === 'v1' ? 'v2' : 'v1'] };
        return { matchLabels: { app: w.app }, matchExpressions: [req] };
      case 'Exists':
        req = { key: extraKeys.length > 0 ? rng.pick(extraKeys) : 'tier', operator: 'Exists' };
        return { matchLabels: { tier: w.tier }, matchExpressions: [req] };
      default:
        req = { key: 'canary', operator: 'DoesNotExist' };
        return { matchLabels: { app: w.app }, matchExpressions: [req] };
    }
  }

  private ipBlock(dir: PolicyType): { cidr: string; except?: string[] } {
    const rng = this.rng;
    if (dir === 'Egress' && rng.chance(0.6)) return { cidr: '0.0.0.0/0', except: [...RFC1918] };
    if (this.diverse) return this.podAddressBlock();
    // A /16 of the pod range, minus one to three of its /24s.
    const second = rng.int(0, 15);
    const cidr = `10.${second}.0.0/16`;
    const thirds = [...new Set(Array.from({ length: rng.int(1, 3) }, () => rng.int(0, 255)))].sort((a, b) => a - b);
    if (rng.chance(0.2)) return { cidr };
    return { cidr, except: thirds.map((t) => `10.${second}.${t}.0/24`) };
  }

  /** Blocks over the addresses pods really have: a /16 minus some node /24s, one node's /24, or one pod's /32. */
  private podAddressBlock(): { cidr: string; except?: string[] } {
    const rng = this.rng;
    const nodes = this.b.nodeCount;
    const r = rng.float();
    if (r < 0.25) {
      const space = rng.pick(this.spaces);
      return { cidr: `${rng.pick(rng.pick(space.workloads).pods).ip}/32` };
    }
    const node = rng.int(0, nodes - 1);
    const second = node >> 8;
    if (r < 0.4) return { cidr: `10.${second}.${node & 255}.0/24` };
    const inSecond = Math.min(256, nodes - (second << 8));
    const thirds = [...new Set(Array.from({ length: rng.int(1, 3) }, () => rng.int(0, inSecond - 1)))].sort((a, b) => a - b);
    return { cidr: `10.${second}.0.0/16`, except: thirds.map((t) => `10.${second}.${t}.0/24`) };
  }

  private port(target: Workload): NetworkPolicyPort {
    const rng = this.rng;
    const r = rng.float();
    if (r < 0.15) {
      // Named: usually one the target serves; the protocol is written out when it is not TCP.
      const def = target.ports.length > 0 && rng.chance(0.9) ? target.ports[rng.int(0, target.ports.length - 1)]! : rng.pick(NAMED_PORTS);
      return def.protocol === 'TCP' && rng.chance(0.5) ? { port: def.name } : { protocol: def.protocol, port: def.name };
    }
    const protocol = rng.weighted<Protocol>({ TCP: 0.85, UDP: 0.12, SCTP: 0.03 });
    if (r < 0.2) return rng.chance(0.5) ? { protocol, port: 8000, endPort: 8100 } : { protocol, port: 30000, endPort: 32767 };
    if (r < 0.23) return { protocol };
    return { protocol, port: rng.pick(NUMERIC_PORTS) };
  }
}

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  realistic,
  'realistic-diverse': realisticDiverse,
  kano,
  'antrea-small-ns': antreaSmallNs,
  'antrea-large-ns': antreaLargeNs,
  'antrea-one-ns': antreaOneNs,
  'antrea-netpol-per-pod': antreaNetpolPerPod,
  'antrea-cluster-scoped': antreaClusterScoped,
  'cilium-1000': cilium1000,
  cyclonus,
};

export function isPresetName(s: string): s is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(s);
}
