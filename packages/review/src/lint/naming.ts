import { formatPortSpec, formatSelector, type Peer, type Policy, type Rule } from '@kordon/engine';
import type { Finding } from '../types.js';
import { effectiveRules, peerField } from './model.js';
import { atPolicy, few, type LintRule } from './rule.js';

/** Words that say a policy denies; words that say it also allows on purpose. */
const DENY_WORDS = /(^|[-_.])(deny|denies|denied|block|blocks|reject|drop|isolate|isolation|lockdown|forbid)([-_.]|$)/i;
const ALLOW_WORDS = /(^|[-_.])(allow|allows|permit|except|but|only|dns|open)([-_.]|$)/i;

function peerText(policy: Policy, p: Peer): string {
  if (p.kind === 'ipBlock') return `ipBlock ${p.cidr}${p.except.length ? ` except ${p.except.join(', ')}` : ''}`;
  const pods = p.podSelector === null ? 'all pods' : `pods ${formatSelector(p.podSelector) || '(all)'}`;
  const ns = p.namespaceSelector === null ? `in ${policy.namespace}` : `in namespaces ${formatSelector(p.namespaceSelector) || '(all)'}`;
  return `${pods} ${ns}`;
}

function ruleText(policy: Policy, r: Rule): string {
  const who = r.peers === null ? (r.direction === 'ingress' ? 'every source' : 'every destination') : r.peers.map((p) => peerText(policy, p)).join(' or ');
  const ports = r.ports === null ? 'on every port' : `on ${r.ports.map(formatPortSpec).join(', ')}`;
  return `${r.direction} ${r.direction === 'ingress' ? 'from' : 'to'} ${who} ${ports}`;
}

const denyName: LintRule = {
  id: 'deny-name-allows',
  severity: 'warning',
  title: 'A policy named "deny" allows traffic',
  description:
    'NetworkPolicy has no deny rules: every rule allows. A policy whose name says deny but which has rules allows exactly those peers, and everything else for its pods is denied by isolation, usually the opposite of what the name promised.',
  check(model) {
    const out: Finding[] = [];
    for (const policy of model.cluster.policies) {
      if (!DENY_WORDS.test(policy.name) || ALLOW_WORDS.test(policy.name)) continue;
      const rules = [...effectiveRules(policy, 'ingress'), ...effectiveRules(policy, 'egress')];
      if (rules.length === 0) continue;
      const first = rules[0]!;
      const path = first.peers && first.peers.length ? ['spec', first.direction, first.index, peerField(first.direction)] : ['spec', first.direction, first.index];
      out.push(
        atPolicy(denyName, model, policy, path, {
          message: `policy ${policy.name} is named as a deny but allows ${few(rules.map((r) => ruleText(policy, r)), 2)}`,
          explanation: `Rules in a NetworkPolicy only allow. ${policy.name} isolates the pods it selects and then admits what its rules list; traffic from the peers it names is the one thing it lets through. To refuse some peers, allow the others (e.g. matchExpressions NotIn) or leave the rules out for a plain default deny.`,
          fix: rules.length && first.peers ? 'rename the policy after what it allows, or, to deny those peers, allow everyone else instead (matchExpressions: [{key: …, operator: NotIn, values: […]}])' : `rename the policy (allow-…), or remove its ${first.direction} rules to make it a real default deny`,
        }),
      );
    }
    return out;
  },
};

export const namingRules: LintRule[] = [denyName];
