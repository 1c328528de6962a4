// The public API of @kordon/source: the one reader of inputs (files, directories, stdin, git revisions, the cluster)
// for every command and the agent. Node only; it hands text to the engine's loader.

export { CLUSTER_SPEC, parseSpec, readSources } from './source.js';
export type { ReadOptions, SourceSpec } from './source.js';
export { listManifestFiles, readManifestFile } from './files/read.js';
export type { SourceText } from './files/read.js';
export { ByteBudget, DEFAULT_MAX_INPUT_BYTES, formatSize, parseSize } from './files/limits.js';
export { isDocumentation, isHidden, isManifestName, MANIFEST_EXTENSIONS } from './files/names.js';
export { reason, SourceError } from './files/problems.js';
export type { SourceErrorCode } from './files/problems.js';
export { readCluster } from './cluster/read.js';
export type { ClusterReadOptions } from './cluster/read.js';
export { ClusterError, connect } from './cluster/connect.js';
export type { ClusterFailure, ClusterOptions, Connection } from './cluster/connect.js';
export { AGENT_RESOURCES, RESOURCES } from './cluster/resources.js';
export { followCluster } from './cluster/follow.js';
export type { ClusterFollower, FollowEvents, FollowOptions, FollowState, ResourceStatus } from './cluster/follow.js';
export type { Resource } from './cluster/resources.js';
