// The public API of @kordon/engine. Anything not listed here is private.

export { compareDiagnostics, DIAGNOSTIC_CODES, formatPath } from './diagnostics.js';
export type { Diagnostic, DiagnosticCode, Location, ObjectRef, PathSegment, Severity } from './diagnostics.js';

export { decodeSource, loadSource, loadSources, MAX_NESTING } from './load/load.js';
export type { LoadedObject, LoadResult, ScalarSource, SourceFile } from './load/load.js';

export {
  editDistance,
  isDns1123Label,
  isDns1123Subdomain,
  isIanaSvcName,
  isQualifiedName,
  isStrictSubset,
  isValidLabelValue,
  kubectlScalar,
  kubectlValueAt,
  readCidr,
  validateNetworkPolicy,
  validateObject,
} from './validate/index.js';
export type { CidrReading } from './validate/index.js';

export { BuildCache, buildCluster } from './model/build.js';
export type { BuildOptions, BuildResult } from './model/build.js';
export { updateCluster } from './model/update.js';
export type { ObjectChange } from './model/update.js';
export { defaultPolicyTypes, normalizePolicy, normalizeSelector } from './model/normalize.js';
export { clusterModel } from './model/compiled.js';
export type { ClusterModel, IPBlockPeer, PortDestination, SelectorPeer } from './model/compiled.js';
export { endpointClasses } from './model/classes.js';
export type { EndpointClasses } from './model/classes.js';
export { DEFAULT_DNS, PROTOCOLS } from './model/types.js';
export type {
  Cluster,
  ContainerPort,
  Direction,
  DnsConfig,
  ClusterNetwork,
  LabelRequirement,
  LabelSelector,
  Labels,
  Namespace,
  Peer,
  Pod,
  Policy,
  PortSpec,
  Protocol,
  RejectedPolicy,
  Rule,
  SelectorOperator,
  Service,
  ServicePort,
  Workload,
  WorkloadKind,
  WorkloadRef,
} from './model/types.js';

export { describeSelectorMiss, formatLabels, formatSelector, selectorIsEmpty, selectorKey, selectorMatches, selectorMismatch, selectorMiss, selectorSubsumes } from './labels/selector.js';
export type { SelectorMiss } from './labels/selector.js';

export {
  canonicalIP,
  cidrContains,
  cidrWithin,
  formatCidr,
  formatIP,
  hasHostBits,
  ipBlockContains,
  ipBlockRanges,
  parseCidr,
  parseIP,
} from './net/ip.js';
export type { Cidr, Family, IP, IPBlock } from './net/ip.js';

export { formatPortProto, formatPortSpec, parsePortProto, portSpecMatches, resolveNamedPort } from './ports/ports.js';
export type { PortProto } from './ports/ports.js';

export { evaluate, isolatingPolicies, peerMatches } from './eval/evaluate.js';
export { podInBlock, serviceNetworkNote, standInInBlock, unknownPodIPs, unknownPodIPNote, type PodInBlock, type UnknownPodIPs } from './eval/pod-ip.js';
export { describeNearMiss, describePeerMiss } from './eval/misses.js';
export type { NearMissWhy, PeerMiss, PeerMissCode } from './eval/misses.js';
export type { AlwaysAllowed, DirectionBypass, DirectionVerdict, Endpoint, NearMiss, RuleRef, Traffic, Verdict } from './eval/types.js';

export { endpointName, podsOfWorkload, resolveName, resolveServiceName } from './query/resolve.js';
export type { Resolved } from './query/resolve.js';
export { checkConnection, clusterDnsPods, isClusterDnsPod, serviceEndpoints } from './query/check.js';
export type { CheckRequest, CheckResult, Hop } from './query/check.js';
export { CHECK_PROBLEM_CODES, checkProblemField, describeCheckProblem } from './query/problems.js';
export type { CheckProblem, CheckProblemCode } from './query/problems.js';

export { policyRefText } from './tiers/types.js';
export type {
  ClusterPolicy,
  Node,
  PolicyKind,
  PolicyRef,
  RejectedClusterPolicy,
  TierAction,
  TierName,
  TierMissWhy,
  TierNearMiss,
  TierPeer,
  TierPeerMiss,
  TierPeerMissCode,
  TierPort,
  TierRule,
  TierStep,
  TierSubject,
} from './tiers/types.js';
export { describeTierMiss, describeTierPeer, describeTierPeerMiss, describeTierPort, describeTierRule, describeTierStep } from './tiers/describe.js';
export { effectiveAction as tierRuleAction, subjectSelects } from './model/tiers.js';
export type { TierModel } from './model/tiers.js';
export { subjectSelectsPod, tierAddressRanges, tierDecision, tierPeerRanges, tierPeerSelectsPod, tierPolicies, tierRuleCovers } from './tiers/query.js';
export type { TierQuery } from './tiers/query.js';
export { explainClusterPolicy, explainPodTiers } from './explain/tiers.js';
export type { ClusterPolicyExplanation, PodTierDirection, PodTiersExplanation, TierPeerExplanation, TierRuleExplanation } from './explain/tiers.js';
export { KINDS, kindEntry } from './kinds/registry.js';
export type { KindEntry, KindRole } from './kinds/registry.js';

export { computeMatrix, endpointAt, summarizePods } from './matrix/matrix.js';
export type { Matrix, MatrixOptions, PodReachability } from './matrix/matrix.js';
export { defaultColumns } from './matrix/columns.js';
export type { MatrixColumn, PortRange } from './matrix/columns.js';

export {
  citedClusterPolicy,
  citeRule,
  citedNetworkPolicy,
  describeMiss,
  describeMissFailure,
  describeStep,
  describeWalk,
  explainConnection,
  explainDirection,
  formatRuleCite,
  networkPolicyRef,
  describePeer,
  describePortSpec,
  describePorts,
  describeRule,
  describeRuleRef,
  describeSelector,
  explainCluster,
  explainPod,
  explainPolicy,
  explainRule,
  formatLocation,
  locateRule,
  policyListing,
  ruleIsActive,
  selectedPods,
} from './explain/index.js';
export type {
  ClusterTierStep,
  ConnectionExplanation,
  DirectionExplanation,
  ExplainedConnection,
  ExplainedMiss,
  ExplanationStep,
  NetworkPolicyStep,
  PolicyCite,
  RuleCite,
  ClusterExplanation,
  PeerExplanation,
  PodDirectionExplanation,
  PodExplanation,
  PodRuleAllowance,
  PolicyExplanation,
  PolicyListingRow,
  RuleExplanation,
} from './explain/index.js';
