import { formatSelector, resolveNamedPort, type Direction, type LabelSelector, type PathSegment, type Peer, type Pod, type Policy } from '@kordon/engine';
import type { Finding } from '../types.js';
import { effectiveRules, peerField, type LintModel } from './model.js';
import { atPolicy, few, type LintRule } from './rule.js';

type Population = 'pod' | 'namespace';

/** Terms of a selector that no object of the input could satisfy: the label is carried by none. */
function unknownTerms(model: LintModel, s: LabelSelector, who: Population): Array<{ term: string; key: string; value?: string }> {
  const count = who === 'pod' ? model.podLabelCount : model.namespaceLabelCount;
  const out: Array<{ term: string; key: string; value?: string }> = [];
  for (const [k, v] of Object.entries(s.matchLabels)) if (count(k, v) === 0) out.push({ term: `${k}=${v}`, key: k, value: v });
  for (const r of s.matchExpressions) {
    if (r.operator === 'In' && r.values.every((v) => count(r.key, v) === 0)) out.push({ term: `${r.key} in (${r.values.join(',')})`, key: r.key });
    if (r.operator === 'Exists' && count(r.key) === 0) out.push({ term: r.key, key: r.key });
  }
  return out;
}

/** Edit distance with adjacent transpositions (optimal string alignment): `wbe` is one step from `web`. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** "pods carry app=web, app=api" or "did you mean tier?": what the input has instead. */
function suggestion(model: LintModel, who: Population, key: string, value?: string): string {
  const values = who === 'pod' ? model.podLabelValues(key) : model.namespaceLabelValues(key);
  if (values.length > 0) {
    const near = value === undefined ? [] : values.filter((v) => distance(v, value) <= Math.max(1, Math.floor(value.length / 3)));
    if (near.length > 0) return `did you mean ${key}=${near[0]}?`;
    return `${who}s carry ${few(values.map((v) => `${key}=${v}`), 4)}`;
  }
  const keys = who === 'pod' ? model.podLabelKeys() : model.namespaceLabelKeys();
  const near = keys.filter((k) => distance(k, key) <= Math.max(1, Math.floor(key.length / 3)));
  if (near.length > 0) return `did you mean the label key ${near[0]}?`;
  return keys.length ? `${who}s carry the keys ${few(keys, 5)}` : `no ${who} of the input has labels`;
}

interface Target {
  policy: Policy;
  path: PathSegment[];
  /** What the selector is, for messages. */
  what: string;
  selector: LabelSelector;
  population: Population;
  matches: number;
}

const labelUnknown: LintRule = {
  id: 'label-unknown',
  severity: 'warning',
  title: 'Selector uses a label no pod or namespace carries',
  description: 'A selector term whose label no object of the input carries can never match: usually a typo, a label that was never applied (`kubectl label namespace …` is not in the manifests), or the wrong key.',
  check: (model) => selectorFindings(model).filter((f) => f.rule === labelUnknown.id),
};

/** Both rules come from one pass: a selector that matches nothing is reported once, as the cause that explains it. */
const computed = new WeakMap<LintModel, Finding[]>();
function selectorFindings(model: LintModel): Finding[] {
  let r = computed.get(model);
  if (!r) computed.set(model, (r = computeSelectorFindings(model)));
  return r;
}

const selectsNothing: LintRule = {
  id: 'peer-selects-nothing',
  severity: 'warning',
  title: 'Policy or peer selects nothing in the given cluster',
  description: 'A policy whose podSelector selects no pod has no effect; a peer that matches no pod admits nothing. Reported only when the namespaces concerned have pods in the input.',
  check: (model) => selectorFindings(model).filter((f) => f.rule === selectsNothing.id),
};

function computeSelectorFindings(model: LintModel): Finding[] {
    const out: Finding[] = [];
    if (!model.hasPods) return out;
    const namespacesDeclared = model.cluster.namespaces.some((n) => n.declared);
    for (const t of targets(model)) {
      if (t.matches > 0) continue;
      const unknown = unknownTerms(model, t.selector, t.population);
      if (t.population === 'namespace' && !namespacesDeclared) continue;
      if (unknown.length > 0) {
        const u = unknown[0]!;
        out.push(
          atPolicy(labelUnknown, model, t.policy, t.path, {
            message: `${t.what} uses ${u.term}, a label no ${t.population} of the input carries`,
            explanation: `No ${t.population} has ${u.term}, so ${t.what} (${formatSelector(t.selector)}) matches nothing${t.population === 'namespace' ? '; namespace labels set with `kubectl label` are not in the manifests, and only kubernetes.io/metadata.name is always there' : ''}.`,
            fix: `${suggestion(model, t.population, u.key, u.value)}${t.population === 'namespace' ? ' Or select the namespace by name: kubernetes.io/metadata.name: <name>.' : ''}`,
          }),
        );
        continue;
      }
      out.push(
        atPolicy(selectsNothing, model, t.policy, t.path, {
          message: `${t.what} (${formatSelector(t.selector) || '{}'}) matches no ${t.population}${t.population === 'pod' && t.path.length === 2 ? ` in ${t.policy.namespace}` : ''}`,
          explanation: t.path.length === 2 ? `The policy selects no pod of ${t.policy.namespace}: it has no effect.` : `Each label exists somewhere, but no ${t.population} carries them all${t.population === 'pod' ? ' in the namespaces this peer covers' : ''}: the peer admits nothing.`,
          fix: t.path.length === 2 ? 'check the labels against the pods of the namespace, or delete the policy' : 'check the combination of labels (and the namespace: a podSelector alone means the policy\'s own namespace)',
        }),
      );
    }
    return out;
}

function* targets(model: LintModel): Generator<Target> {
  for (const policy of model.cluster.policies) {
    if (model.podsIn(policy.namespace).length > 0) {
      yield { policy, path: ['spec', 'podSelector'], what: `podSelector of ${policy.name}`, selector: policy.podSelector, population: 'pod', matches: model.selected(policy).length };
    }
    for (const direction of ['ingress', 'egress'] as const) {
      for (const rule of effectiveRules(policy, direction)) {
        for (const peer of rule.peers ?? []) {
          if (peer.kind !== 'pods') continue;
          const base: PathSegment[] = ['spec', direction, rule.index, peerField(direction), peer.index];
          let namespaces = [policy.namespace];
          if (peer.namespaceSelector !== null) {
            const ns = model.namespacesMatching(peer.namespaceSelector);
            if (ns.length === 0) {
              yield { policy, path: [...base, 'namespaceSelector'], what: `namespaceSelector of ${direction}[${rule.index}].${peerField(direction)}[${peer.index}]`, selector: peer.namespaceSelector, population: 'namespace', matches: 0 };
              continue;
            }
            namespaces = ns.map((n) => n.name);
          }
          // Namespaces without pods in the input say nothing about what the peer matches.
          if (peer.podSelector === null || !namespaces.some((n) => model.podsIn(n).length > 0)) continue;
          yield {
            policy,
            path: [...base, 'podSelector'],
            what: `podSelector of ${direction}[${rule.index}].${peerField(direction)}[${peer.index}]`,
            selector: peer.podSelector,
            population: 'pod',
            matches: model.peerMatchesAny(policy, peer) ? 1 : 0,
          };
        }
      }
    }
  }
}

const namedPort: LintRule = {
  id: 'named-port-unknown',
  severity: 'warning',
  title: 'Named port that no selected pod declares',
  description:
    'A named port in a rule matches only when the destination pod has a container port of that name and protocol: for ingress the policy\'s own pods, for egress the peer pods (never an address outside the cluster). A name no such pod declares admits nothing.',
  check(model) {
    const out: Finding[] = [];
    for (const policy of model.cluster.policies) {
      for (const direction of ['ingress', 'egress'] as const) {
        for (const rule of effectiveRules(policy, direction)) {
          for (const spec of rule.ports ?? []) {
            if (typeof spec.port !== 'string') continue;
            const path = ['spec', direction, rule.index, 'ports', spec.index, 'port'];
            const dests = destinations(model, policy, direction, rule.peers);
            if (dests.kind === 'outside') {
              out.push(
                atPolicy(namedPort, model, policy, path, {
                  message: `named port ${spec.port} can never match: this egress rule's peers are only ipBlocks`,
                  explanation: 'A named port is looked up in the destination pod\'s container ports; an address outside the cluster has none, so the rule admits nothing.',
                  fix: 'write the port number instead of its name',
                }),
              );
              continue;
            }
            if (dests.pods.length === 0) continue;
            if (dests.pods.some((p) => resolveNamedPort(p, spec.port as string, spec.protocol).length > 0)) continue;
            const names = [...new Set(dests.pods.flatMap((p) => p.containerPorts.filter((c) => c.name && c.protocol === spec.protocol).map((c) => c.name!)))];
            out.push(
              atPolicy(namedPort, model, policy, path, {
                message: `named port ${spec.port}/${spec.protocol} is declared by none of the ${dests.pods.length} ${direction === 'ingress' ? 'selected' : 'peer'} pod${dests.pods.length === 1 ? '' : 's'}`,
                explanation: `${direction === 'ingress' ? 'For an ingress rule the name is looked up in the policy\'s own pods' : 'For an egress rule the name is looked up in the destination pods'} (${few(dests.pods.map((p) => `${p.namespace}/${p.name}`))}); none has a ${spec.protocol} container port named ${spec.port}, so this entry admits nothing.`,
                fix: names.length ? `use one of the declared names (${few(names, 5)}) or the port number` : 'name the container port in the pod template (ports: [{name: …, containerPort: …}]) or write the number',
              }),
            );
          }
        }
      }
    }
    return out;
  },
};

function destinations(model: LintModel, policy: Policy, direction: Direction, peers: readonly Peer[] | null): { kind: 'pods'; pods: readonly Pod[] } | { kind: 'outside' } {
  if (direction === 'ingress') return { kind: 'pods', pods: model.selected(policy) };
  if (peers === null) return { kind: 'pods', pods: model.cluster.pods.filter((p) => !p.hostNetwork) };
  if (peers.every((p) => p.kind === 'ipBlock')) return { kind: 'outside' };
  const pods = peers.flatMap((p) => model.peerPods(policy, p));
  return { kind: 'pods', pods };
}

export const selectionRules: LintRule[] = [selectsNothing, labelUnknown, namedPort];
