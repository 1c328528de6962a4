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
export { describePeer, describePorts, describePortSpec, describeRule, describeRuleRef, describeSelector, formatLocation, locateRule, ruleIsActive } from './words.js';
