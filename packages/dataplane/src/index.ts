// The public API of @kordon/dataplane: nftables compiler, agent, and network-namespace lab.

export { CompileCache, compileRuleset, DEFAULT_TABLE } from './nft/compile.js';
export type { CompileOptions } from './nft/compile.js';
export { renderDeleteTable, renderRuleset, tableNameProblem } from './nft/ruleset.js';
export type { NftChain, NftRule, NftSet, RenderOptions, Ruleset, RulesetStats } from './nft/ruleset.js';
export { diffRulesets } from './nft/diff.js';
export type { RulesetDiff } from './nft/diff.js';
export { applyScript, checkPrivileges, checkScript, listSet, listTable, NftError } from './nft/apply.js';
export type { NftJson, NftTarget, Privileges } from './nft/apply.js';

export { Agent, AgentError } from './agent/agent.js';
export type { AgentErrorCode, AgentOptions, DeniedConnection, SyncResult, VerifyResult } from './agent/agent.js';
export { compareViews, describeDifferences, expectedView, kernelView, viewDigest } from './nft/digest.js';
export type { TableDifference, TableView } from './nft/digest.js';
export { loadState, ManifestDir, readManifestDir } from './agent/manifests.js';
export type { LoadedState } from './agent/manifests.js';
export { startAgent } from './agent/watch.js';
export type { AgentEvent, AgentStop, RunningAgent, StartAgentOptions } from './agent/watch.js';
export type { ApiLossPolicy } from './agent/api-loss.js';
export { ApiSource } from './agent/api-source.js';
export type { ApiSourceOptions } from './agent/api-source.js';
export { AgentMetrics } from './agent/metrics.js';
export type { AgentSnapshot } from './agent/metrics.js';
export { DirectorySource } from './agent/source.js';
export type { ClusterSource, SourceEvents } from './agent/source.js';

export { cleanupStaleLabs, Lab, LAB_PREFIX, listLabNamespaces } from './lab/lab.js';
export type { LabHost, LabSpec, ProbeRequest } from './lab/lab.js';
export type { LatencySummary, ProbeOutcome, ProbePort, ProbeTarget } from './lab/helper.js';
export { LabSession, labLimits, matrixColumns, probeMatrix, withLabAddresses } from './lab/probe.js';
export type { LabProbeOptions, ProbedMatrix } from './lab/probe.js';
