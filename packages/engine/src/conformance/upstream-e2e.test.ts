// Kubernetes' own NetworkPolicy e2e truth tables (test/e2e/network/netpol/network_policy.go), run against kordon's
// evaluator and its bitset matrix. Part one replays shared/conformance/upstream-e2e-part.json as given; part two holds
// the upstream cases that file lacks, written here with their policies and the upstream Reachability calls, from which
// the truth table is derived the way upstream derives it.
import { describe, expect, it } from 'vitest';
import type { Labels, Protocol } from '../model/types.js';
import { computeMatrix } from '../matrix/matrix.js';
import { clusterOf, matrixVsEvaluate, namespaceObject, podByName, podObject, podVerdict, readJson } from './__fixtures__/harness.js';

type Table = Record<string, Record<string, boolean>>;
type PeerRef = { namespace?: string; pod?: string };
type Op =
  | { op: 'ExpectPeer'; from: PeerRef; to: PeerRef; connected: boolean }
  | { op: 'Expect'; from: string; to: string; connected: boolean }
  | { op: 'ExpectAllIngress'; pod: string; connected: boolean }
  | { op: 'ExpectAllEgress'; pod: string; connected: boolean };

interface Probe {
  port: number;
  protocol: Protocol;
  portKind: string;
  reachability: { default: boolean; ops: Op[] };
  expected: Table;
}
interface Step {
  description?: string;
  namespaceLabels?: Record<string, Labels>;
  policies: unknown[];
  probes: Probe[];
}
interface Case {
  id: string;
  name: string;
  describe: string;
  context: string;
  steps: Step[];
}
interface ModelPod {
  labels: Labels;
  ip: string;
  containerPorts: { name: string; port: number; protocol: Protocol; containerName: string }[];
}
interface Suite {
  podOrder: string[];
  model: { namespaces: Record<string, Labels>; pods: Record<string, ModelPod> };
  cases: Case[];
}

const suite = readJson<Suite>('upstream-e2e-part.json');
const PODS = suite.podOrder;

/** Upstream's Reachability: a full table at `def`, then each call overwrites the cells it names, in order. */
function reachability(def: boolean, ops: readonly Op[]): Table {
  const t: Table = {};
  for (const f of PODS) t[f] = Object.fromEntries(PODS.map((d) => [d, def]));
  const matches = (p: PeerRef, id: string) => {
    const [ns, name] = id.split('/');
    return (p.namespace === undefined || p.namespace === ns) && (p.pod === undefined || p.pod === name);
  };
  for (const op of ops) {
    for (const f of PODS) {
      for (const d of PODS) {
        const hit =
          op.op === 'ExpectPeer'
            ? matches(op.from, f) && matches(op.to, d)
            : op.op === 'Expect'
              ? op.from === f && op.to === d
              : op.op === 'ExpectAllIngress'
                ? op.pod === d
                : op.pod === f;
        if (hit) t[f]![d] = op.connected;
      }
    }
  }
  return t;
}

interface StepInput {
  namespaceLabels?: Record<string, Labels>;
  podLabels?: Record<string, Labels>;
  policies: readonly unknown[];
}

function clusterFor(step: StepInput) {
  const nss = Object.entries(suite.model.namespaces).map(([name, labels]) => namespaceObject(name, { ...(step.namespaceLabels?.[name] ?? labels) }));
  const pods = Object.entries(suite.model.pods).map(([id, p]) => {
    const [namespace, name] = id.split('/') as [string, string];
    return podObject({
      namespace,
      name,
      labels: step.podLabels?.[id] ?? p.labels,
      ips: [p.ip],
      containerPorts: p.containerPorts.map((c) => ({ name: c.name, port: c.port, protocol: c.protocol, container: c.containerName })),
    });
  });
  return clusterOf([...nss, ...pods, ...step.policies]);
}

/**
 * Both engines against the truth table: every off-diagonal cell must equal upstream's, and the diagonal (not judged
 * upstream) must be allowed, as a pod always reaches itself.
 */
function judge(step: StepInput, port: number, protocol: Protocol, expected: Table): string[] {
  const cluster = clusterFor(step);
  const m = computeMatrix(cluster, { ports: [{ port, protocol }] });
  const index = new Map(m.endpoints.map((e, i) => [e, i]));
  const problems: string[] = [];
  for (const f of PODS) {
    for (const d of PODS) {
      const byEval = podVerdict(cluster, podByName(cluster, f), podByName(cluster, d), port, protocol);
      const byMatrix = m.allowed(0, index.get(f)!, index.get(d)!);
      const want = f === d ? true : expected[f]![d]!;
      if (byEval !== want || byMatrix !== want) problems.push(`${port}/${protocol} ${f} -> ${d}: upstream ${want}, evaluate ${byEval}, matrix ${byMatrix}`);
    }
  }
  // The default port classes must agree with evaluate too, whatever the probe.
  problems.push(...matrixVsEvaluate(cluster));
  return problems;
}

describe('upstream e2e truth tables (shared/conformance/upstream-e2e-part.json)', () => {
  it('holds the 9 pods of the model in podOrder', () => {
    expect(Object.keys(suite.model.pods).sort()).toEqual([...PODS].sort());
    expect(suite.cases.length).toBeGreaterThanOrEqual(23);
  });

  const groups = new Map<string, Case[]>();
  for (const c of suite.cases) {
    const key = `${c.describe} ${c.context}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const [group, cases] of groups) {
    describe(group, () => {
      for (const c of cases) {
        it(c.name, () => {
          for (const step of c.steps) {
            for (const probe of step.probes) {
              expect(probe.portKind).toBe('number');
              // The recorded table is exactly what upstream's calls produce: this keeps the interpreter below honest.
              expect(reachability(probe.reachability.default, probe.reachability.ops)).toEqual(probe.expected);
              expect(judge(step, probe.port, probe.protocol, probe.expected), step.description ?? c.id).toEqual([]);
            }
          }
        });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Upstream cases missing from the JSON. Each is the upstream test's policies and Reachability calls on the 9-pod model
// (x, y, z × a, b, c; the JSON's IPs). Where the latest upstream creates fewer pods, the calls still hold for 9: every
// extra pod is either named by a call that covers it (ExpectPeer over a namespace, ExpectAll*) or left unselected.

const ns = (name: string): PeerRef => ({ namespace: name });
const pod = (id: string): PeerRef => {
  const [namespace, p] = id.split('/') as [string, string];
  return { namespace, pod: p };
};
const ALL: PeerRef = {};
const peer = (from: PeerRef, to: PeerRef, connected: boolean): Op => ({ op: 'ExpectPeer', from, to, connected });
const pair = (from: string, to: string, connected: boolean): Op => ({ op: 'Expect', from, to, connected });
const allIngress = (p: string, connected: boolean): Op => ({ op: 'ExpectAllIngress', pod: p, connected });
const allEgress = (p: string, connected: boolean): Op => ({ op: 'ExpectAllEgress', pod: p, connected });

type Spec = Record<string, unknown>;
/** Upstream's policy generators: podSelector plus the rules given; policyTypes follow from which rule lists are set. */
function np(namespace: string, name: string, podSelector: Spec, rules: { ingress?: Spec[]; egress?: Spec[]; policyTypes?: string[] }): Spec {
  const spec: Spec = { podSelector };
  const types: string[] = [];
  if (rules.ingress) {
    spec['ingress'] = rules.ingress;
    types.push('Ingress');
  }
  if (rules.egress) {
    spec['egress'] = rules.egress;
    types.push('Egress');
  }
  spec['policyTypes'] = rules.policyTypes ?? types;
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}
const labels = (l: Record<string, string>): Spec => ({ matchLabels: l });
const nsName = (n: string): Spec => labels({ 'kubernetes.io/metadata.name': n });
const notInNs = (n: string): Spec => ({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [n] }] });
const podA = labels({ pod: 'a' });

const ipOf = (id: string): string => suite.model.pods[id]!.ip;
/** upstream makeLargeCIDRForIP: the /4 holding the address. */
const largeCidr = (ip: string): string => `${Number(ip.split('.')[0]) & 0xf0}.0.0.0/4`;

interface ExtraProbe {
  port: number;
  protocol: Protocol;
  ops: Op[];
}
interface ExtraStep extends StepInput {
  description: string;
  probes: ExtraProbe[];
}
interface ExtraCase {
  group: 'TCP' | 'UDP' | 'SCTP';
  name: string;
  steps: ExtraStep[];
}
const tcp = (port: number, ...ops: Op[]): ExtraProbe => ({ port, protocol: 'TCP', ops });

const portsRule = (from: Spec[] | undefined, ports: Spec[]): Spec => (from ? { from, ports } : { ports });

function portsCase(protocol: Protocol): ExtraCase {
  return {
    group: protocol as 'UDP' | 'SCTP',
    name: 'should enforce policy based on Ports',
    steps: [
      {
        description: `x/a takes ${protocol} 81 from namespace y only`,
        policies: [np('x', 'allow-ingress-on-port-81-ns-x', podA, { ingress: [portsRule([{ namespaceSelector: nsName('y') }], [{ port: 81, protocol }])] })],
        probes: [{ port: 81, protocol, ops: [peer(ns('x'), pod('x/a'), false), peer(ns('z'), pod('x/a'), false)] }],
      },
    ],
  };
}
function podAndNsCase(protocol: Protocol): ExtraCase {
  return {
    group: protocol as 'UDP' | 'SCTP',
    name: 'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    steps: [
      {
        description: 'x/a takes y/a only',
        policies: [np('x', 'allow-ns-y-pod-a-via-namespace-pod-selector', podA, { ingress: [{ from: [{ namespaceSelector: nsName('y'), podSelector: podA }] }] })],
        probes: [{ port: 80, protocol, ops: [allIngress('x/a', false), pair('y/a', 'x/a', true)] }],
      },
    ],
  };
}

const EXTRA: ExtraCase[] = [
  {
    group: 'TCP',
    name: 'should allow ingress access from updated pod',
    steps: [
      {
        description: 'no pod carries pod2=updated yet',
        policies: [np('x', 'allow-client-a-via-pod-selector', podA, { ingress: [{ from: [{ podSelector: labels({ pod: 'b', pod2: 'updated' }) }] }] })],
        probes: [tcp(80, allIngress('x/a', false))],
      },
      {
        description: 'x/b labelled pod2=updated',
        podLabels: { 'x/b': { pod: 'b', pod2: 'updated' } },
        policies: [np('x', 'allow-client-a-via-pod-selector', podA, { ingress: [{ from: [{ podSelector: labels({ pod: 'b', pod2: 'updated' }) }] }] })],
        probes: [tcp(80, allIngress('x/a', false), pair('x/b', 'x/a', true))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should deny ingress from pods on other namespaces',
    steps: [
      {
        description: 'x takes ingress from its own pods only',
        policies: [np('x', 'deny-empty-policy', {}, { ingress: [{ from: [{ podSelector: {} }] }] })],
        probes: [tcp(80, peer(ns('y'), ns('x'), false), peer(ns('z'), ns('x'), false))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should deny ingress access to updated pod',
    steps: [
      {
        description: 'no pod carries target=isolated yet',
        policies: [np('x', 'deny-ingress-via-label-selector', labels({ target: 'isolated' }), { ingress: [] })],
        probes: [tcp(80)],
      },
      {
        description: 'x/a labelled target=isolated',
        podLabels: { 'x/a': { pod: 'a', target: 'isolated' } },
        policies: [np('x', 'deny-ingress-via-label-selector', labels({ target: 'isolated' }), { ingress: [] })],
        probes: [tcp(80, allIngress('x/a', false))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should deny egress from pods based on PodSelector',
    steps: [{ description: 'x/a has no egress', policies: [np('x', 'deny-egress-pod-a', podA, { egress: [] })], probes: [tcp(80, allEgress('x/a', false))] }],
  },
  {
    group: 'TCP',
    name: 'should deny egress from all pods in a namespace',
    steps: [{ description: 'x has no egress', policies: [np('x', 'deny-egress-ns-x', {}, { egress: [] })], probes: [tcp(80, peer(ns('x'), ALL, false))] }],
  },
  {
    group: 'TCP',
    name: 'should work with Ingress, Egress specified together',
    steps: [
      {
        description: 'x/a takes x/b only and sends on 80 only',
        policies: [
          np('x', 'allow-client-a-via-pod-selector', podA, {
            ingress: [{ from: [{ podSelector: labels({ pod: 'b' }) }] }],
            egress: [{ ports: [{ port: 80 }] }],
            policyTypes: ['Egress', 'Ingress'],
          }),
        ],
        probes: [tcp(80, allIngress('x/a', false), pair('x/b', 'x/a', true)), tcp(81, allIngress('x/a', false), allEgress('x/a', false), pair('x/b', 'x/a', true))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
    steps: [
      {
        description: 'x/a may send to y/a only; y/a and y/b take x/a only',
        policies: [
          np('x', 'allow-to-ns-y-pod-a', podA, { egress: [{ to: [{ namespaceSelector: nsName('y'), podSelector: podA }] }] }),
          np('y', 'allow-from-xa-on-ya-match-selector', podA, { ingress: [{ from: [{ namespaceSelector: nsName('x'), podSelector: podA }] }] }),
          np('y', 'allow-from-xa-on-yb-match-selector', labels({ pod: 'b' }), { ingress: [{ from: [{ namespaceSelector: nsName('x'), podSelector: podA }] }] }),
        ],
        probes: [tcp(80, peer(pod('x/a'), ALL, false), peer(ALL, pod('y/a'), false), peer(pod('x/a'), pod('y/a'), true), peer(ALL, pod('y/b'), false))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector',
    steps: [
      {
        description: 'x/a may send to y/a only',
        policies: [np('x', 'allow-to-ns-y-pod-a', podA, { egress: [{ to: [{ namespaceSelector: nsName('y'), podSelector: podA }] }] })],
        probes: [tcp(80, allEgress('x/a', false), pair('x/a', 'y/a', true))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should enforce ingress policy allowing any port traffic to a server on a specific protocol',
    steps: [
      {
        description: 'x/a takes every TCP port, no UDP',
        policies: [np('x', 'allow-ingress-by-proto', podA, { ingress: [{ ports: [{ protocol: 'TCP' }] }] })],
        probes: [tcp(80), { port: 80, protocol: 'UDP', ops: [peer(ALL, pod('x/a'), false)] }],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence',
    steps: [
      {
        description: 'x takes port 80 only',
        policies: [np('x', 'allow-ingress-port-80', {}, { ingress: [{ ports: [{ port: 80 }] }] })],
        probes: [tcp(81, peer(ALL, ns('x'), false))],
      },
      {
        description: 'plus allow-all ingress',
        policies: [np('x', 'allow-ingress-port-80', {}, { ingress: [{ ports: [{ port: 80 }] }] }), np('x', 'allow-ingress', {}, { ingress: [{}] })],
        probes: [tcp(81)],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should enforce multiple egress policies with egress allow-all policy taking precedence',
    steps: [
      {
        description: 'x sends on port 80 only',
        policies: [np('x', 'allow-egress-port-80', {}, { egress: [{ ports: [{ port: 80 }] }] })],
        probes: [tcp(81, peer(ns('x'), ALL, false))],
      },
      {
        description: 'plus allow-all egress',
        policies: [np('x', 'allow-egress-port-80', {}, { egress: [{ ports: [{ port: 80 }] }] }), np('x', 'allow-egress', {}, { egress: [{}] })],
        probes: [tcp(81)],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should stop enforcing policies after they are deleted',
    steps: [
      {
        description: 'deny all in and out of x',
        policies: [np('x', 'deny-all', {}, { ingress: [], egress: [] })],
        probes: [tcp(80, peer(ns('x'), ALL, false), peer(ALL, ns('x'), false))],
      },
      { description: 'policies deleted', policies: [], probes: [tcp(80)] },
    ],
  },
  {
    group: 'TCP',
    name: 'should allow egress access to server in CIDR block',
    steps: [
      {
        description: "x/a may send to y/b's /32 only",
        policies: [np('x', 'allow-client-a-via-cidr-egress-rule', podA, { egress: [{ to: [{ ipBlock: { cidr: `${ipOf('y/b')}/32` } }] }] })],
        probes: [tcp(80, allEgress('x/a', false), pair('x/a', 'y/b', true))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should enforce except clause while egress access to server in CIDR block',
    steps: [
      {
        description: "x/a may send to the /4 around x/b except x/b's /32",
        policies: [np('x', 'allow-client-a-via-cidr-egress-rule', podA, { egress: [{ to: [{ ipBlock: { cidr: largeCidr(ipOf('x/b')), except: [`${ipOf('x/b')}/32`] } }] }] })],
        probes: [tcp(80, pair('x/a', 'x/b', false))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed',
    steps: [
      {
        description: "x/a may send to the /4 around x/b except x/b's /32",
        policies: [np('x', 'allow-client-a-via-cidr-egress-rule', podA, { egress: [{ to: [{ ipBlock: { cidr: largeCidr(ipOf('x/b')), except: [`${ipOf('x/b')}/32`] } }] }] })],
        probes: [tcp(80, pair('x/a', 'x/b', false))],
      },
      {
        description: "the same policy updated to x/b's /32 only",
        policies: [np('x', 'allow-client-a-via-cidr-egress-rule', podA, { egress: [{ to: [{ ipBlock: { cidr: `${ipOf('x/b')}/32` } }] }] })],
        probes: [tcp(80, allEgress('x/a', false), pair('x/a', 'x/b', true))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector',
    steps: [
      { description: 'x/a: allow all egress', policies: [np('x', 'allow-egress-for-target', podA, { egress: [{}] })], probes: [tcp(80)] },
      {
        description: 'plus deny all ingress to x/a',
        policies: [np('x', 'allow-egress-for-target', podA, { egress: [{}] }), np('x', 'deny-ingress-via-label-selector', podA, { ingress: [] })],
        probes: [tcp(80, allIngress('x/a', false))],
      },
    ],
  },
  {
    group: 'TCP',
    name: "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
    steps: [
      {
        description: 'default deny ingress in x, x/a takes SCTP 81',
        policies: [np('x', 'deny-ingress', {}, { ingress: [] }), np('x', 'allow-only-sctp-ingress-on-port-81', podA, { ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }] })],
        probes: [tcp(81, peer(ALL, ns('x'), false))],
      },
    ],
  },
  {
    group: 'TCP',
    name: "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP",
    steps: [
      {
        description: 'x/a takes SCTP 80 only',
        policies: [np('x', 'allow-only-sctp-ingress-on-port-80', podA, { ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] })],
        probes: [tcp(81, allIngress('x/a', false))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should not allow access by TCP when a policy specifies only UDP',
    steps: [
      {
        description: 'x/a takes UDP 81 only',
        policies: [np('x', 'allow-only-udp-ingress-on-port-81', podA, { ingress: [{ ports: [{ port: 81, protocol: 'UDP' }] }] })],
        probes: [tcp(81, allIngress('x/a', false))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label',
    steps: [
      {
        description: 'x/a takes namespace y only',
        policies: [np('x', 'allow-client-a-via-ns-selector-for-immutable-ns-label', podA, { ingress: [{ from: [{ namespaceSelector: nsName('y') }] }] })],
        probes: [tcp(80, peer(ns('x'), pod('x/a'), false), peer(ns('z'), pod('x/a'), false))],
      },
    ],
  },
  {
    group: 'TCP',
    name: 'should enforce policy based on NamespaceSelector with MatchExpressions using default ns label',
    steps: [
      {
        description: 'x/a may send anywhere but namespace y',
        policies: [np('x', 'allow-ns-y-match-selector-for-immutable-ns-label', podA, { egress: [{ to: [{ namespaceSelector: notInNs('y') }] }] })],
        probes: [tcp(80, peer(pod('x/a'), ns('y'), false))],
      },
    ],
  },
  portsCase('UDP'),
  podAndNsCase('UDP'),
  portsCase('SCTP'),
  podAndNsCase('SCTP'),
];

describe('upstream e2e cases not in the JSON (ported from network_policy.go)', () => {
  it('adds only cases the JSON lacks', () => {
    const have = new Set(suite.cases.map((c) => `${c.context.endsWith('UDP') ? 'UDP' : c.context.endsWith('SCTP') ? 'SCTP' : 'TCP'} ${c.name}`));
    for (const c of EXTRA) expect(have.has(`${c.group} ${c.name}`), c.name).toBe(false);
    expect(new Set(EXTRA.map((c) => `${c.group} ${c.name}`)).size).toBe(EXTRA.length);
  });
  for (const group of ['TCP', 'UDP', 'SCTP'] as const) {
    describe(group === 'TCP' ? 'NetworkPolicy between server and client' : `NetworkPolicy between server and client using ${group}`, () => {
      for (const c of EXTRA.filter((x) => x.group === group)) {
        it(c.name, () => {
          for (const step of c.steps) {
            for (const probe of step.probes) {
              expect(judge(step, probe.port, probe.protocol, reachability(true, probe.ops)), step.description).toEqual([]);
            }
          }
        });
      }
    });
  }
});
