// np-guard/netpol-analyzer golden connlists (shared/conformance/netpol-analyzer) against kordon.
//
// Their model is per workload, not per pod, and lists external addresses as IPv4 ranges cut at every ipBlock boundary.
// The adapter below computes that representation from kordon's own answers: the bitset matrix over port segments
// (every stretch of ports between the numbers policies and containers name; all ports inside one segment are treated
// alike by every rule) and over one address per external range, merged per workload pair, printed as they print it.
//
// netpol-analyzer departs from upstream semantics in documented ways (see the README of the data). The test therefore
// runs the adapter twice:
//  1. "their assumptions": the same cluster with hostNetwork cleared, pod IPs removed (their ipBlocks never match a pod)
//     and node placement removed (they do not model a pod's own node). This must reproduce the golden file exactly.
//  2. upstream semantics (kordon as it is): every line where it differs from (1) must be explained by one of those
//     assumptions, checked per line: a side holding a hostNetwork pod, or a pod whose IP lies in an ipBlock of the input.
// They also read field names case-insensitively (Go's encoding/json), so their input is read with `containerport`
// as `containerPort`; the API server matches names exactly and rejects such a workload, and so does kordon.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cluster, Pod, Protocol } from '../model/types.js';
import { PROTOCOLS } from '../model/types.js';
import { formatIP, parseCidr, parseIP } from '../net/ip.js';
import { computeMatrix } from '../matrix/matrix.js';
import { CONFORMANCE_DIR, clusterOfFiles, matrixVsEvaluate, readText } from './__fixtures__/harness.js';

const ROOT = 'netpol-analyzer';
const V4_END = 1n << 32n;

function inputFiles(name: string): { name: string; text: string }[] {
  const dir = join(CONFORMANCE_DIR, ROOT, name, 'input');
  const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
  return walk(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => ({ name: relative(dir, f), text: readText(relative(CONFORMANCE_DIR, f)) }));
}

/** Their peer name: the pod's top owner, or the bare pod. A ReplicaSet missing from the input names the peer itself. */
function peerName(cluster: Cluster, pod: Pod): string {
  if (!pod.owner) return `${pod.namespace}/${pod.name}[Pod]`;
  const hash = pod.labels['pod-template-hash'];
  const declared = cluster.workloads.some((w) => w.namespace === pod.namespace && w.kind === pod.owner!.kind && w.name === pod.owner!.name);
  // kordon reads a Deployment through the ReplicaSet's pod-template-hash; netpol-analyzer stops at the ReplicaSet.
  if (pod.owner.kind === 'Deployment' && !declared && hash) return `${pod.namespace}/${pod.owner.name}-${hash}[ReplicaSet]`;
  return `${pod.namespace}/${pod.owner.name}[${pod.owner.kind}]`;
}

/**
 * IPv4 space cut at every boundary of every ipBlock cidr and except of the input, per direction: external sources are
 * cut by the ipBlocks of ingress rules, external destinations by those of egress rules (as the golden files show).
 */
function externalRanges(cluster: Cluster, direction: 'ingress' | 'egress'): [bigint, bigint][] {
  const cuts = new Set<bigint>([0n, V4_END]);
  for (const p of cluster.policies) {
    for (const r of p[direction]) {
      for (const peer of r.peers ?? []) {
        if (peer.kind !== 'ipBlock') continue;
        for (const text of [peer.cidr, ...peer.except]) {
          const c = parseCidr(text);
          if (c?.family !== 4) continue;
          cuts.add(c.start);
          cuts.add(c.end + 1n);
        }
      }
    }
  }
  const sorted = [...cuts].sort((a, b) => (a < b ? -1 : 1));
  return sorted.slice(0, -1).map((s, k) => [s, sorted[k + 1]! - 1n]);
}

/** Per protocol, the stretches of ports that no rule and no container port tells apart. */
function portSegments(cluster: Cluster): { protocol: Protocol; lo: number; hi: number }[] {
  const cuts = new Map<Protocol, Set<number>>(PROTOCOLS.map((p) => [p, new Set([1, 65536])]));
  for (const p of cluster.policies) {
    for (const r of [...p.ingress, ...p.egress]) {
      for (const s of r.ports ?? []) {
        if (typeof s.port !== 'number') continue;
        cuts.get(s.protocol)?.add(s.port);
        cuts.get(s.protocol)?.add((s.endPort ?? s.port) + 1);
      }
    }
  }
  for (const pod of cluster.pods) {
    for (const c of pod.containerPorts) {
      cuts.get(c.protocol)?.add(c.port);
      cuts.get(c.protocol)?.add(c.port + 1);
    }
  }
  return PROTOCOLS.flatMap((protocol) => {
    const sorted = [...cuts.get(protocol)!].filter((c) => c >= 1 && c <= 65536).sort((a, b) => a - b);
    return sorted.slice(0, -1).map((lo, k) => ({ protocol, lo, hi: sorted[k + 1]! - 1 }));
  });
}

/** `All Connections`, or `TCP 80,8080-8090,UDP 53`: protocols sorted, ports merged into ranges. */
function formatConns(allowed: readonly { protocol: Protocol; lo: number; hi: number }[], total: number): string {
  if (allowed.length === total) return 'All Connections';
  const items: string[] = [];
  for (const protocol of [...PROTOCOLS].sort()) {
    const ranges: [number, number][] = [];
    for (const s of allowed.filter((a) => a.protocol === protocol).sort((a, b) => a.lo - b.lo)) {
      const last = ranges[ranges.length - 1];
      if (last && last[1] + 1 === s.lo) last[1] = s.hi;
      else ranges.push([s.lo, s.hi]);
    }
    if (ranges.length) items.push(`${protocol} ${ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')}`);
  }
  return items.join(',');
}

interface Line {
  src: string;
  dst: string;
  conns: string;
}

/** The connlist of a cluster, as netpol-analyzer prints it, computed from kordon's matrix. */
function connlist(cluster: Cluster): Line[] {
  const sources = externalRanges(cluster, 'ingress');
  const destinations = externalRanges(cluster, 'egress');
  const ranges = [...sources, ...destinations];
  const segments = portSegments(cluster);
  const podIPs = new Set(cluster.pods.flatMap((p) => [...p.ips, ...(p.hostIP ? [p.hostIP] : [])]));
  // One address stands for each range; it must not be a pod's or a node's own address, which policies may single out.
  const reps = ranges.map(([s, e]) => {
    let v = s;
    while (v <= e && podIPs.has(formatIP({ family: 4, value: v }))) v++;
    return formatIP({ family: 4, value: v });
  });
  const m = computeMatrix(cluster, { ports: segments.map((s) => ({ port: s.lo, protocol: s.protocol })), ips: reps });
  const groups = new Map<string, number[]>();
  cluster.pods.forEach((pod, i) => {
    const name = peerName(cluster, pod);
    groups.set(name, [...(groups.get(name) ?? []), i]);
  });
  const rangeName = ([s, e]: [bigint, bigint]) => `${formatIP({ family: 4, value: s })}-${formatIP({ family: 4, value: e })}[External]`;
  const srcGroups = new Map([...groups, ...sources.map((r, k): [string, number[]] => [rangeName(r), [m.podCount + k]])]);
  const dstGroups = new Map([...groups, ...destinations.map((r, k): [string, number[]] => [rangeName(r), [m.podCount + sources.length + k]])]);
  const lines: Line[] = [];
  for (const [src, is] of srcGroups) {
    for (const [dst, js] of dstGroups) {
      if (src === dst || (src.endsWith('[External]') && dst.endsWith('[External]'))) continue;
      // A workload reaches another on a port when one of its pods reaches one of the other's pods there.
      const allowed = segments.filter((_, col) => is.some((i) => js.some((j) => i !== j && m.allowed(col, i, j))));
      if (allowed.length > 0) lines.push({ src, dst, conns: formatConns(allowed, segments.length) });
    }
  }
  return lines;
}

const text = (l: Line) => `${l.src} => ${l.dst} : ${l.conns}`;
// Their sort: by source then destination, as plain strings.
const sortLines = (ls: string[]) => [...ls].sort();

/** Their input: field names as Go's encoding/json matches them, case-insensitively (only the one their data uses). */
function theirInput(files: readonly { name: string; text: string }[]): { name: string; text: string }[] {
  return files.map((f) => ({ ...f, text: f.text.replace(/^(\s*-?\s*)containerport:/gm, '$1containerPort:') }));
}

/** netpol-analyzer's assumptions applied to a kordon cluster (see the header). */
function theirAssumptions(cluster: Cluster): Cluster {
  return {
    ...cluster,
    pods: cluster.pods.map((p) => {
      const q: Pod = { ...p, hostNetwork: false, ips: [] };
      delete q.hostIP;
      delete q.nodeName;
      return q;
    }),
  };
}

/** Why upstream semantics may differ from their assumptions for a line touching these pods, or undefined. */
function explainDifference(cluster: Cluster, pods: readonly Pod[]): string | undefined {
  if (pods.some((p) => p.hostNetwork)) return 'hostNetwork pod: not selected by policies, reached by selectors never, and always reaches its own node (netpol-analyzer does not model hostNetwork)';
  const blocks = cluster.policies.flatMap((p) => [...p.ingress, ...p.egress].flatMap((r) => (r.peers ?? []).filter((x) => x.kind === 'ipBlock')));
  const inBlock = (ip: string) =>
    blocks.some((b) => {
      const c = parseCidr(b.cidr);
      const a = parseIP(ip);
      return c && a && c.family === a.family && c.start <= a.value && a.value <= c.end && !b.except.some((e) => {
        const x = parseCidr(e);
        return x && x.family === a.family && x.start <= a.value && a.value <= x.end;
      });
    });
  if (pods.some((p) => p.ips.some(inBlock))) return 'pod IP inside an ipBlock: upstream matches it, netpol-analyzer never does (issue #456)';
  if (pods.some((p) => cluster.rejectedPolicies.some((r) => r.namespace === p.namespace))) return 'a policy of this namespace is one the API server rejects, so kordon leaves it out';
  return undefined;
}

interface Case {
  name: string;
  /** Golden lines kordon cannot produce, with the reason. */
  leaveOut?: { match: RegExp; reason: string };
  /** How many golden lines must remain after leaving those out: guards the adapter against comparing nothing. */
  minLines: number;
  /** Source => destination pairs where upstream semantics differ from netpol-analyzer's (each one explained per line). */
  differences: number;
  /** Errors kordon reports, as the API server would, where netpol-analyzer reads the input anyway. */
  rejects?: { errors: string[]; reason: string };
}

const CONTAINERPORT = {
  errors: ['pods.yaml:32 field-unknown strict decoding error: unknown field "containerport" in ContainerPort'],
  reason: 'a lowercase `containerport`: the API server rejects the Deployment, so upstream it has no pods',
};

const CASES: Case[] = [
  {
    name: 'acs-security-demos',
    leaveOut: { match: /^\{ingress-controller\} => /, reason: 'stand-in source for OpenShift Route / Ingress objects, which kordon does not read' },
    minLines: 12,
    differences: 0,
  },
  { name: 'onlineboutique_workloads', minLines: 17, differences: 0 },
  // 18 hostNetwork pods (node addresses 10.186.164.x): kordon does not let policies select them, so e.g.
  // kube-system/calico-node-tier takes All Connections where netpol-analyzer grants UDP 53 only.
  { name: 'ipblockstest', minLines: 100, differences: 106 },
  // Its rejected Deployment (see CONTAINERPORT) has no pods, and appears in no line of the golden file.
  { name: 'netpol_named_port_test', minLines: 2, differences: 0, rejects: CONTAINERPORT },
  { name: 'with_end_port_example', minLines: 100, differences: 0 },
  { name: 'minimal_test_in_ns', minLines: 5, differences: 0 },
  // Beyond the six the brief names: every other case with a connlist golden and no AdminNetworkPolicy.
  { name: 'core_pods_without_host_ip', minLines: 10, differences: 0 },
  { name: 'ipblockstest_2', minLines: 100, differences: 106 },
  // Its policies end in `status: {}`, which kordon reads with a warning (validate: an empty status is what an older
  // `kubectl get -o yaml` printed), as netpol-analyzer does.
  { name: 'netpol-analysis-example-minimal', minLines: 3, differences: 0 },
  // All three golden lines touch the Deployment the API server rejects (see CONTAINERPORT).
  { name: 'netpol_named_port_test_2', minLines: 1, differences: 3, rejects: CONTAINERPORT },
  { name: 'test_with_named_ports', minLines: 10, differences: 0 },
  { name: 'test_with_named_ports_changed_netpol', minLines: 10, differences: 0 },
  { name: 'with_end_port_example_new', minLines: 100, differences: 0 },
];

describe('netpol-analyzer golden connlists', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const files = inputFiles(c.name);
      const { cluster, diagnostics } = clusterOfFiles(files);
      const their = theirAssumptions(c.rejects ? clusterOfFiles(theirInput(files)).cluster : cluster);
      const golden = readText(`${ROOT}/${c.name}/expected/${c.name}_connlist_output.txt`)
        .split(/\r?\n/)
        .filter((l) => l.trim() !== '');
      const kept = golden.filter((l) => !c.leaveOut?.match.test(l));

      it('reads the input without errors', () => {
        expect(diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`)).toEqual(c.rejects?.errors ?? []);
        expect(kept.length).toBeGreaterThanOrEqual(c.minLines);
      });

      it('under their assumptions, kordon prints the golden connlist', () => {
        expect(sortLines(connlist(their).map(text))).toEqual(sortLines(kept));
      });

      it('under upstream semantics, every difference is explained', () => {
        const ours = new Map(connlist(cluster).map((l) => [`${l.src} => ${l.dst}`, l]));
        const theirs = new Map(connlist(their).map((l) => [`${l.src} => ${l.dst}`, l]));
        const podsOf = (peer: string) => cluster.pods.filter((p) => peerName(cluster, p) === peer);
        // A workload only they read (kordon rejects it as the API server does) has no pods upstream.
        const rejected = (peer: string) => c.rejects !== undefined && podsOf(peer).length === 0 && their.pods.some((p) => peerName(their, p) === peer);
        const unexplained: string[] = [];
        let differences = 0;
        for (const key of new Set([...ours.keys(), ...theirs.keys()])) {
          const a = ours.get(key)?.conns;
          const b = theirs.get(key)?.conns;
          if (a === b) continue;
          differences++;
          const [src, dst] = key.split(' => ') as [string, string];
          if (rejected(src) || rejected(dst)) continue;
          if (!explainDifference(cluster, [...podsOf(src), ...podsOf(dst)])) unexplained.push(`${key}: upstream ${a ?? 'none'}, netpol-analyzer ${b ?? 'none'}`);
        }
        expect(unexplained).toEqual([]);
        expect(differences).toBe(c.differences);
      });

      it('the matrix agrees with evaluate on this input', () => {
        expect(matrixVsEvaluate(cluster, {}, 5)).toEqual([]);
      });
    });
  }
});
