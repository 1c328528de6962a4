// The public API of @kordon/review. Pure: no Node APIs, so the browser page runs it too.

export type { Finding } from './types.js';
export { compareFindings, isSeverity, SEVERITY_RANK } from './types.js';

export { lint, failsAt, diagnosticToFinding } from './lint/lint.js';
export type { LintOptions, LintReport, RuleInfo } from './lint/lint.js';
export { RULES, ruleById } from './lint/registry.js';
export type { LintRule } from './lint/rule.js';
export type { LintModel } from './lint/model.js';
export { lintModel } from './lint/model.js';
export { parseLintConfig } from './lint/config.js';
export type { LintConfig } from './lint/config.js';

export { parseExpectations, describe as describeEndpoint } from './expect/format.js';
export type { EndpointRef, Expectation, ExpectationFile, Outcome, PodSelectorRef } from './expect/format.js';
export { runExpectation, runExpectations } from './expect/run.js';
export type { ExpectationResult, TestReport } from './expect/run.js';

export { explainCheck, explainHop } from './util/explain.js';
export { readYamlDocument } from './util/yamlfile.js';
export type { YamlDocument } from './util/yamlfile.js';

export { diffClusters } from './diff/diff.js';
export type { Cause, DiffReport, FlowChange, PolicyChange } from './diff/diff.js';

export { toSarif, toUri } from './format/sarif.js';
export type { SarifLevel, SarifLog, SarifOptions } from './format/sarif.js';
export { cell, diffMarkdown, lintMarkdown, testMarkdown } from './format/markdown.js';
export { diffText, lintText, portsText, testText } from './format/text.js';

export { generatePolicies, DEFAULT_GENERATE_OPTIONS, GENERATED_PREFIX } from './generate/generate.js';
export type { GenerateInput, GenerateOptions, GenerateProof, GenerateResult, GeneratedFile } from './generate/generate.js';
export { parseFlows } from './generate/flows.js';
export type { FlowFile, FlowFormat, ObservedFlow } from './generate/flows.js';
export type { ExtraFlow, FlowCheck } from './generate/proof.js';
export type { PlannedPolicy, PlannedRule, PlannedPeer, PlannedPort } from './generate/plan.js';
export type { Unit } from './generate/units.js';
export { UNSTABLE_LABEL_KEYS } from './generate/units.js';
export { changeText, generateText } from './generate/text.js';

export { listConnections, pairTable, resolveFocus, groupOf } from './connections/list.js';
export type { Connection, ConnectionList, ConnectionPeer, Focus, GroupBy, ListOptions, PairTable } from './connections/list.js';
export { diffConnections } from './connections/diff.js';
export type { ConnectionChange, ConnectionDiff } from './connections/diff.js';
export { formatPortSet, mergePortRanges } from './connections/ports.js';
export type { PortSet } from './connections/ports.js';
export { addressRanges, cidrsOf, describeAddresses } from './connections/addresses.js';
export type { AddressRange } from './connections/addresses.js';
export {
  connectionDiffCsv,
  connectionDiffDot,
  connectionDiffMarkdown,
  connectionDiffMermaid,
  connectionDiffText,
  connectionsCsv,
  connectionsDot,
  connectionsMarkdown,
  connectionsMermaid,
  connectionsText,
} from './connections/render.js';
export { exposure, exposureMarkdown, exposureText } from './exposure/exposure.js';
export type { ExposureEntry, ExposurePeer, ExposureReport, ExposureSide } from './exposure/exposure.js';
export { proposeChange } from './generate/change.js';
export type { ChangeProof, ChangeResult, Extension } from './generate/change.js';
export type { Narrowing } from './generate/narrow.js';
export { GUARDRAILS } from './generate/guardrails.js';
export type { Guardrail } from './generate/guardrails.js';
export { applyChange } from './generate/apply.js';
export type { AppliedFile } from './generate/apply.js';
export type { ChangeDocument } from './generate/change.js';
