import { clusterModel, evaluate, parseIP, type Cluster, type Direction, type DirectionVerdict, type Endpoint, type LabelRequirement, type LabelSelector, type Peer, type Pod, type Policy, type RuleRef } from '@kordon/engine';
import { endKey, type End, type Need } from './required.js';
import { selectorData } from './render.js';
import { exactSelector, type Unit } from './units.js';

type Data = Record<string, unknown>;

/** One change to a rule of a policy of the input, so that it stops admitting connections that must be denied. */
export interface Narrowing {
  /** `ns/name` of the policy. */
  policy: string;
  /** The field changed: `spec.ingress[0].from[1]`, or the rule `spec.ingress[0]`. */
  path: string;
  action: 'narrow-selector' | 'except-address' | 'remove-peer' | 'remove-rule' | 'list-peers';
  /** The workloads or addresses it no longer admits. */
  excludes: string[];
  /** The expectations that ask for it. */
  origins: string[];
  /** One sentence: what changes. */
  text: string;
  apply: (raw: Data) => void;
}

interface Target {
  policy: Policy;
  ref: RuleRef;
  pods: Set<Pod>;
  ips: Set<string>;
  origins: Set<string>;
}

/** Narrowings come from expected-denied connections the input's policies admit; those they cannot narrow are said. */
export interface NarrowResult {
  narrowings: Narrowing[];
  /** Connections no rule of the input admits on either side (an end is not isolated): isolation closes them. */
  unisolated: Need[];
  notes: string[];
}

const fieldOf = (d: Direction): 'from' | 'to' => (d === 'ingress' ? 'from' : 'to');
const ruleList = (raw: Data, d: Direction): Data[] => ((raw['spec'] as Data)[d] as Data[]);

/** A side of a connection can be narrowed when rules of NetworkPolicies of the input (not cluster policies) admit it. */
function narrowable(before: Cluster, v: DirectionVerdict): boolean {
  if (v.bypass !== undefined || v.allowedBy.length === 0 || !v.isolated) return false;
  return v.allowedBy.every((r) => before.policies.some((p) => p.id === r.policy));
}

/**
 * For each connection that must be denied but is allowed, the rules that admit it on one side (the destination's
 * ingress when its rules admit it, else the source's egress), narrowed to leave out the other end's whole workload.
 */
export function narrowings(before: Cluster, deny: readonly Need[], endpointOf: (e: End) => Endpoint | undefined, unitOf: ReadonlyMap<Pod, Unit>, basePod: (p: Pod) => Pod | undefined): NarrowResult {
  const notes: string[] = [];
  const unisolated: Need[] = [];
  const targets = new Map<string, Target>();
  for (const n of deny) {
    const from = endpointOf(n.src);
    const to = endpointOf(n.dst);
    if (!from || !to) continue;
    const v = evaluate(before, { from, to, port: n.port, protocol: n.protocol });
    if (!v.allowed || v.always) continue;
    const side = narrowable(before, v.ingress) ? v.ingress : narrowable(before, v.egress) ? v.egress : undefined;
    const flow = `${endKey(n.src)} -> ${endKey(n.dst)} ${n.port}/${n.protocol}`;
    if (!side) {
      if (v.ingress.bypass === 'not-isolated' || v.egress.bypass === 'not-isolated') unisolated.push(n);
      else notes.push(`${flow} must be denied (${n.origins.join('; ')}) but no NetworkPolicy rule of the input admits it that a change could narrow (a cluster policy or the host network allows it)`);
      continue;
    }
    const remote = side.direction === 'ingress' ? n.src : n.dst;
    for (const ref of side.allowedBy) {
      const k = `${ref.policy}\u0000${ref.direction}\u0000${ref.rule}\u0000${ref.peer ?? '*'}`;
      let t = targets.get(k);
      if (!t) {
        t = { policy: before.policies.find((p) => p.id === ref.policy)!, ref, pods: new Set(), ips: new Set(), origins: new Set() };
        targets.set(k, t);
      }
      if (remote.kind === 'ip') t.ips.add(remote.ip);
      else {
        const u = unitOf.get(remote.pod);
        for (const p of u ? u.pods : [remote.pod]) t.pods.add(p);
      }
      for (const o of n.origins) t.origins.add(o);
    }
  }
  const out: Narrowing[] = [];
  for (const t of targets.values()) {
    const r = narrowOne(before, t, basePod);
    if (typeof r === 'string') notes.push(r);
    else out.push(r);
  }
  return { narrowings: out, unisolated, notes };
}

const hostBits = (ip: string): string => `${ip}/${parseIP(ip)?.family === 6 ? 128 : 32}`;

/** The pods of the cluster a peer matches (every pod for a rule without peers): the model's answer. */
function peerPods(before: Cluster, policy: Policy, peer: Extract<Peer, { kind: 'pods' }> | undefined): Pod[] {
  const model = clusterModel(before);
  return [...(peer ? model.peerPods(policy, peer) : model.podsMatching(model.namespaceNames(), null))];
}

/** Both selectors at once: the pods that match the first and the second. */
function intersect(a: LabelSelector | null, b: LabelSelector): LabelSelector {
  const labels = { ...(a?.matchLabels ?? {}), ...b.matchLabels };
  const seen = new Set<string>();
  const exprs: LabelRequirement[] = [];
  for (const e of [...(a?.matchExpressions ?? []), ...b.matchExpressions]) {
    const k = JSON.stringify(e);
    if (!seen.has(k)) exprs.push(e);
    seen.add(k);
  }
  return { matchLabels: labels, matchExpressions: exprs };
}

/** Marks left in the raw policy by narrowings; `flatten` turns them into the final lists, so indexes never shift. */
const REPLACE = '\u0000replace';
const REMOVE = '\u0000remove';

/** Applies the marks: a peer replaced by its list, removed peers and rules dropped. */
export function flatten(raw: Data): void {
  const spec = raw['spec'] as Data | undefined;
  for (const d of ['ingress', 'egress'] as const) {
    const rules = spec?.[d] as Data[] | undefined;
    if (!rules) continue;
    spec![d] = rules.filter((r) => !r[REMOVE]).map((r) => {
      const key = fieldOf(d);
      const peers = r[key] as Data[] | undefined;
      if (!peers) return r;
      return { ...r, [key]: peers.flatMap((p) => (p[REMOVE] ? [] : ((p[REPLACE] as Data[] | undefined) ?? [p]))) };
    });
  }
}

const NS_KEY = 'kubernetes.io/metadata.name';

function narrowOne(before: Cluster, t: Target, basePod: (p: Pod) => Pod | undefined): Narrowing | string {
  const { policy, ref } = t;
  const rule = (ref.direction === 'ingress' ? policy.ingress : policy.egress)[ref.rule]!;
  const key = fieldOf(ref.direction);
  const rulePath = `spec.${ref.direction}[${ref.rule}]`;
  const peer = ref.peer === undefined ? undefined : rule.peers?.find((p) => p.index === ref.peer);
  const excludes = [...new Set([...t.pods].map((p) => (p.owner ? `${p.namespace}/${p.owner.name}` : `${p.namespace}/${p.name}`))), ...t.ips].sort();
  const origins = [...t.origins];
  const base = { policy: policy.id, excludes, origins };
  const rules = (raw: Data) => ruleList(raw, ref.direction);
  const denied = (p: Pod) => [...t.pods].some((d) => d.namespace === p.namespace && d.name === p.name);

  if (peer?.kind === 'ipBlock') {
    const ips = [...new Set([...t.ips, ...[...t.pods].flatMap((p) => p.ips)].map(hostBits))];
    return { ...base, path: `${rulePath}.${key}[${peer.index}]`, action: 'except-address', text: `${policy.id}: ${rulePath}.${key}[${peer.index}] ${peer.cidr} now excepts ${ips.join(', ')}`, apply: (raw) => {
      const block = (rules(raw)[ref.rule]![key] as Data[])[peer.index]!['ipBlock'] as Data;
      block['except'] = [...((block['except'] as string[] | undefined) ?? []), ...ips];
    } };
  }
  // The pods the peer matches, namespace by namespace: a pod label cannot tell namespaces apart, a namespace name can.
  const matched = peerPods(before, policy, peer);
  const nsSel = peer ? peer.namespaceSelector : { matchLabels: {}, matchExpressions: [] };
  const podSel = peer ? peer.podSelector : null;
  const touched = [...new Set(matched.filter(denied).map((p) => p.namespace))].sort();
  const peers: Data[] = [];
  if (nsSel !== null) {
    const others: LabelSelector = touched.length === 0 ? nsSel : intersect(nsSel, { matchLabels: {}, matchExpressions: [{ key: NS_KEY, operator: 'NotIn', values: touched }] });
    // Kept for the other declared namespaces it matches (those lint sees); a selector left matching none would only
    // read as a mistake.
    const declared = new Set(before.namespaces.map((n) => n.name));
    if (clusterModel(before).namespacesMatching(others).some((ns) => declared.has(ns)))
      peers.push({ namespaceSelector: selectorData(others), ...(podSel ? { podSelector: selectorData(podSel) } : {}) });
  }
  for (const ns of touched) {
    const inNs = matched.filter((p) => p.namespace === ns);
    const keep = inNs.filter((p) => !denied(p));
    if (keep.length === 0) continue;
    const exact = exactSelector(keep.map((p) => basePod(p) ?? p), inNs.map((p) => basePod(p) ?? p));
    if (exact.alsoSelects.some(denied)) return `${policy.id} ${rulePath}: no stable label tells ${excludes.filter((e) => e.startsWith(`${ns}/`)).join(', ')} from the other pods of ${ns} its peer matches, so it cannot be narrowed (${origins.join('; ')})`;
    const podSelector = selectorData(intersect(podSel, exact.selector));
    peers.push(nsSel === null ? { podSelector } : { namespaceSelector: { matchLabels: { [NS_KEY]: ns } }, podSelector });
  }
  if (!peer) {
    // A rule without peers admits every address too: keep them, less the denied ones and the pods' own (an ipBlock
    // admits a pod by its address): the pod network when it is known, else the denied pods' current addresses.
    const network = before.network?.podCidrs ?? [];
    const podIps = network.length > 0 ? [...network] : [...t.pods].flatMap((p) => p.ips).map(hostBits);
    const except = [...new Set([...[...t.ips].map(hostBits), ...podIps])];
    for (const family of [4, 6] as const) {
      const all = family === 4 ? '0.0.0.0/0' : '::/0';
      const mine = except.filter((c) => parseIP(c.split('/')[0]!)?.family === family);
      if (family === 6 && mine.length === 0) continue;
      peers.push({ ipBlock: { cidr: all, ...(mine.length ? { except: mine } : {}) } });
    }
    const also = [
      ...(except.some((c) => parseIP(c.split('/')[0]!)?.family === 6) ? [] : ['IPv6 addresses outside the cluster are no longer admitted']),
      ...(network.length === 0 && podIps.length > 0 ? [`the pods' own addresses are excepted as they are now (${podIps.join(', ')}): give --pod-cidr to except the pod network instead`] : []),
    ];
    return { ...base, path: rulePath, action: 'list-peers', text: `${policy.id}: ${rulePath} admitted every ${ref.direction === 'ingress' ? 'source' : 'destination'}; it now lists them without ${excludes.join(', ')}${also.map((a) => `; ${a}`).join('')}`, apply: (raw) => {
      rules(raw)[ref.rule]![key] = peers;
    } };
  }
  const peerPath = `${rulePath}.${key}[${peer.index}]`;
  if (peers.length === 0) {
    // An empty peer list would admit everyone: the last peer goes with its rule.
    if ((rule.peers?.length ?? 0) > 1) return { ...base, path: peerPath, action: 'remove-peer', text: `${policy.id}: ${peerPath} is removed: it matches only ${excludes.join(', ')}`, apply: (raw) => {
      (rules(raw)[ref.rule]![key] as Data[])[peer.index]![REMOVE] = true;
    } };
    return { ...base, path: rulePath, action: 'remove-rule', text: `${policy.id}: ${rulePath} is removed: it admits only ${excludes.join(', ')}`, apply: (raw) => {
      rules(raw)[ref.rule]![REMOVE] = true;
    } };
  }
  return { ...base, path: peerPath, action: 'narrow-selector', text: `${policy.id}: ${peerPath} narrowed to leave out ${excludes.join(', ')}${peers.length > 1 ? ` (${peers.length} peers, one per namespace that must be told apart)` : ''}`, apply: (raw) => {
    (rules(raw)[ref.rule]![key] as Data[])[peer.index]![REPLACE] = peers;
  } };
}
