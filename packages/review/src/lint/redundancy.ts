import {
  clusterModel,
  formatCidr,
  hasHostBits,
  ipBlockRanges,
  parseCidr,
  selectorIsEmpty,
  selectorKey,
  selectorSubsumes,
  type Cidr,
  type Direction,
  type Peer,
  type Policy,
  type PortSpec,
  type Rule,
} from '@kordon/engine';
import type { Finding } from '../types.js';
import { effectiveRules, peerField, type LintModel } from './model.js';
import { atPolicy, policyName, type LintRule } from './rule.js';

// ---------------------------------------------------------------------------------------------
// Containment between rules: one rule admits everything another does.

function portCovers(broad: PortSpec, narrow: PortSpec): boolean {
  if (broad.protocol !== narrow.protocol) return false;
  if (broad.port === null) return true;
  if (narrow.port === null) return false;
  if (typeof broad.port === 'string' || typeof narrow.port === 'string') return broad.port === narrow.port && broad.endPort === narrow.endPort;
  return narrow.port >= broad.port && (narrow.endPort ?? narrow.port) <= (broad.endPort ?? broad.port);
}

function blockRanges(p: Extract<Peer, { kind: 'ipBlock' }>): { family: number; ranges: Array<[bigint, bigint]> } | undefined {
  const cidr = parseCidr(p.cidr);
  if (!cidr) return undefined;
  return { family: cidr.family, ranges: ipBlockRanges({ cidr, except: p.except.map(parseCidr).filter((c): c is Cidr => c !== undefined) }) };
}

function peerCovers(model: LintModel, ns: string, broad: Peer, narrow: Peer): boolean {
  if (broad.kind === 'ipBlock' || narrow.kind === 'ipBlock') {
    if (broad.kind !== 'ipBlock' || narrow.kind !== 'ipBlock') return false;
    const b = blockRanges(broad);
    const n = blockRanges(narrow);
    if (!b || !n || b.family !== n.family) return false;
    return n.ranges.every(([s, e]) => b.ranges.some(([bs, be]) => s >= bs && e <= be));
  }
  // Namespaces: null stands for the policy's own namespace, which broad covers when its selector selects it (the model's
  // reading, with the name-label fallback); two selectors are compared term by term (selectorSubsumes).
  if (broad.namespaceSelector !== null) {
    if (narrow.namespaceSelector === null) {
      if (!clusterModel(model.cluster).namespacesMatching(broad.namespaceSelector).includes(ns)) return false;
    } else if (!selectorSubsumes(broad.namespaceSelector, narrow.namespaceSelector)) return false;
  } else if (narrow.namespaceSelector !== null) return false;
  if (broad.podSelector === null) return true;
  if (narrow.podSelector === null) return selectorIsEmpty(broad.podSelector);
  return selectorSubsumes(broad.podSelector, narrow.podSelector);
}

/** Everything rule `narrow` of a policy in `ns` admits, `broad` admits too. */
function ruleCovers(model: LintModel, ns: string, broad: Rule, narrow: Rule): boolean {
  if (broad.ports !== null) {
    if (narrow.ports === null) return false;
    if (!narrow.ports.every((n) => broad.ports!.some((b) => portCovers(b, n)))) return false;
  }
  if (broad.peers === null) return true;
  if (narrow.peers === null) return false;
  return narrow.peers.every((n) => broad.peers!.some((b) => peerCovers(model, ns, b, n)));
}

// ---------------------------------------------------------------------------------------------

function ruleKey(r: Rule): string {
  const peer = (p: Peer): string => (p.kind === 'ipBlock' ? `ip:${p.cidr}|${[...p.except].sort().join(',')}` : `pods:${p.namespaceSelector ? selectorKey(p.namespaceSelector) : '-'}|${p.podSelector ? selectorKey(p.podSelector) : '-'}`);
  const port = (s: PortSpec): string => `${s.protocol}:${s.port}:${s.endPort}`;
  return `${r.peers === null ? '*' : r.peers.map(peer).sort().join(';')}#${r.ports === null ? '*' : r.ports.map(port).sort().join(';')}`;
}

/** The policy's meaning without its name: same key, same effect. */
function policyKey(p: Policy): string {
  const rules = (d: Direction) => effectiveRules(p, d).map(ruleKey).sort().join('&');
  return [p.namespace, selectorKey(p.podSelector), p.ingressIsolation, p.egressIsolation, rules('ingress'), rules('egress')].join('\u0000');
}

const duplicate: LintRule = {
  id: 'policy-duplicate',
  severity: 'warning',
  title: 'Duplicate policies',
  description: 'Two policies of one namespace that select the same pods with the same rules: one is dead weight, and editing only one of them later changes nothing.',
  check(model) {
    const out: Finding[] = [];
    const seen = new Map<string, Policy>();
    for (const p of model.cluster.policies) {
      const k = policyKey(p);
      const first = seen.get(k);
      if (!first) {
        seen.set(k, p);
        continue;
      }
      const f = atPolicy(duplicate, model, p, ['metadata', 'name'], {
        message: `policy ${policyName(p)} has the same effect as ${policyName(first)}`,
        explanation: 'Both select the same pods with the same policyTypes and the same rules (in any order). Policies are additive, so one of them adds nothing.',
        fix: `delete one of ${p.name} and ${first.name}`,
      });
      const at = model.at(first, ['metadata', 'name']);
      if (at) f.related = [{ location: at, message: `the same policy: ${policyName(first)}` }];
      out.push(f);
    }
    return out;
  },
};

const redundant: LintRule = {
  id: 'rule-redundant',
  severity: 'warning',
  title: 'Rule shadowed by a broader rule',
  description: 'A rule that admits nothing another rule (of the same policy, or of a policy selecting at least the same pods) does not already admit. Harmless, but it misleads: removing the broader rule would not leave this one in charge of what the reader thinks.',
  check(model) {
    const out: Finding[] = [];
    const byNs = new Map<string, Policy[]>();
    for (const p of model.cluster.policies) {
      const l = byNs.get(p.namespace);
      if (l) l.push(p);
      else byNs.set(p.namespace, [p]);
    }
    const keys = new Map(model.cluster.policies.map((p) => [p, policyKey(p)]));
    for (const [ns, policies] of byNs) {
      for (const direction of ['ingress', 'egress'] as const) {
        const withRules = policies.filter((p) => effectiveRules(p, direction).length > 0);
        for (const narrowP of withRules) {
          for (const narrow of effectiveRules(narrowP, direction)) {
            let by: { policy: Policy; rule: Rule } | undefined;
            for (const broadP of withRules) {
              // Duplicate policies are reported as such.
              if (broadP !== narrowP && keys.get(broadP) === keys.get(narrowP)) continue;
              if (broadP !== narrowP && !selectorSubsumes(broadP.podSelector, narrowP.podSelector)) continue;
              for (const broad of effectiveRules(broadP, direction)) {
                if (broadP === narrowP && broad.index === narrow.index) continue;
                if (!ruleCovers(model, ns, broad, narrow)) continue;
                // Two equal rules: report the later one only.
                const mutual = ruleCovers(model, ns, narrow, broad) && selectorSubsumes(narrowP.podSelector, broadP.podSelector);
                if (mutual && (broadP.id > narrowP.id || (broadP === narrowP && broad.index > narrow.index))) continue;
                by = { policy: broadP, rule: broad };
                break;
              }
              if (by) break;
            }
            if (!by) continue;
            const where = by.policy === narrowP ? `spec.${direction}[${by.rule.index}] of the same policy` : `spec.${direction}[${by.rule.index}] of ${policyName(by.policy)} (which selects at least the same pods)`;
            const f = atPolicy(redundant, model, narrowP, ['spec', direction, narrow.index], {
              message: `spec.${direction}[${narrow.index}] is shadowed by ${where}: it admits nothing more`,
              explanation: 'Rules add up: every peer and port of this rule is already covered by the broader one, so this rule changes nothing while the broader one exists.',
              fix: 'delete this rule, or narrow the broader one if it admits more than intended',
            });
            const at = model.at(by.policy, ['spec', direction, by.rule.index]);
            if (at) f.related = [{ location: at, message: 'the broader rule' }];
            out.push(f);
          }
        }
      }
    }
    return out;
  },
};

function* ipBlocks(policy: Policy): Generator<{ direction: Direction; rule: Rule; peer: Extract<Peer, { kind: 'ipBlock' }> }> {
  for (const direction of ['ingress', 'egress'] as const) {
    for (const rule of direction === 'ingress' ? policy.ingress : policy.egress) {
      for (const peer of rule.peers ?? []) if (peer.kind === 'ipBlock') yield { direction, rule, peer };
    }
  }
}

const exceptOverlap: LintRule = {
  id: 'except-overlap',
  severity: 'warning',
  title: 'Duplicate or overlapping except entries',
  description: 'Two except entries of one ipBlock that are equal, or one inside the other: the inner one removes nothing more. Often a sign that the author meant other ranges (172.17.0.1/24 and 172.17.0.2/24 are both 172.17.0.0/24).',
  check(model) {
    const out: Finding[] = [];
    for (const policy of model.cluster.policies) {
      for (const { direction, rule, peer } of ipBlocks(policy)) {
        const parsed = peer.except.map(parseCidr);
        for (let j = 0; j < parsed.length; j++) {
          const b = parsed[j];
          if (!b) continue;
          for (let i = 0; i < parsed.length; i++) {
            const a = parsed[i];
            if (!a || i === j || a.family !== b.family) continue;
            const same = a.start === b.start && a.end === b.end;
            const inside = b.start >= a.start && b.end <= a.end;
            // Equal entries: the later one is reported; nested ones: the inner one.
            if (!(same ? i < j : inside)) continue;
            const base = ['spec', direction, rule.index, peerField(direction), peer.index, 'ipBlock', 'except'];
            const f = atPolicy(exceptOverlap, model, policy, [...base, j], {
              message: same
                ? `except[${j}] ${peer.except[j]} is the same range as except[${i}] ${peer.except[i]} (${formatCidr(b)})`
                : `except[${j}] ${peer.except[j]} lies inside except[${i}] ${peer.except[i]}`,
              explanation: same && (hasHostBits(a) || hasHostBits(b)) ? `Host bits are ignored: both mean ${formatCidr(b)}, so the second entry excludes nothing more. If single addresses were meant, write them as /32.` : 'The range is already excluded by the other entry.',
              fix: same && (hasHostBits(a) || hasHostBits(b)) ? `write the intended ranges (e.g. ${peer.except[j]!.split('/')[0]}/32), or delete the duplicate` : `delete except[${j}]`,
            });
            const at = model.at(policy, [...base, i]);
            if (at) f.related = [{ location: at, message: `except[${i}]` }];
            out.push(f);
            break;
          }
        }
      }
    }
    return out;
  },
};

const noncanonical: LintRule = {
  id: 'cidr-noncanonical',
  severity: 'warning',
  // The engine's validation warns about the same CIDR; this finding carries the fix.
  supersedes: ['cidr-host-bits'],
  title: 'CIDR with host bits set',
  description: 'A CIDR like 172.17.0.1/24 is accepted but means its network, 172.17.0.0/24: the address written is not the one matched, and a single address needs /32 (or /128).',
  check(model) {
    const out: Finding[] = [];
    for (const policy of model.cluster.policies) {
      for (const { direction, rule, peer } of ipBlocks(policy)) {
        const base = ['spec', direction, rule.index, peerField(direction), peer.index, 'ipBlock'];
        const entries: Array<[string, (string | number)[]]> = [[peer.cidr, [...base, 'cidr']], ...peer.except.map((e, i): [string, (string | number)[]] => [e, [...base, 'except', i]])];
        for (const [text, path] of entries) {
          const c = parseCidr(text);
          if (!c || !hasHostBits(c)) continue;
          const addr = text.split('/')[0]!;
          out.push(
            atPolicy(noncanonical, model, policy, path, {
              message: `${text} has host bits set: it means ${formatCidr(c)}`,
              explanation: `The prefix /${c.prefix} keeps only the network part, so ${text} matches all of ${formatCidr(c)}, not ${addr} alone.`,
              fix: `write ${formatCidr(c)}, or ${addr}/${c.family === 4 ? 32 : 128} for the single address`,
            }),
          );
        }
      }
    }
    return out;
  },
};

export const redundancyRules: LintRule[] = [redundant, duplicate, exceptOverlap, noncanonical];
