export { explainCluster, explainPod, explainPolicy, explainRule, policyListing, selectedPods } from './explain.js';
export type {
  ClusterExplanation,
  PeerExplanation,
  PodDirectionExplanation,
  PodExplanation,
  PodRuleAllowance,
  PolicyExplanation,
  PolicyListingRow,
  RuleExplanation,
} from './explain.js';
export { describePeer, describePorts, describePortSpec, describeRule, describeRuleRef, describeSelector, formatLocation, ruleIsActive } from './words.js';
export { citedClusterPolicy, citedNetworkPolicy, citeRule, explainConnection, explainDirection, locateRule, networkPolicyRef } from './connection.js';
export type { ExplainedConnection } from './connection.js';
export { formatRuleCite } from './cite.js';
export { describeMiss, describeMissFailure, describeStep, describeWalk } from './tree-words.js';
export type { ClusterTierStep, ConnectionExplanation, DirectionExplanation, ExplainedMiss, ExplanationStep, NetworkPolicyStep, PolicyCite, RuleCite } from './tree.js';
