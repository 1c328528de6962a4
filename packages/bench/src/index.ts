export { generate, parseGenerateArgs, toJsonList, toYamlFiles, writeCluster } from './generate.js';
export type { CliArgs, GenerateOptions, GeneratedCluster, GeneratedCounts, OutputFormat } from './generate.js';
export { isPresetName, PRESET_NAMES, PRESETS } from './presets.js';
export type { Preset, PresetName, ResolvedSizes, SizeParams } from './presets.js';
export { apportion, Prng, splitmix32, Zipf } from './prng.js';
export { checkObjects } from './sanity.js';
export { toYaml } from './yaml.js';
export type { K8sObject, Kind, NetworkPolicy, Pod, Namespace, Service, Deployment, ReplicaSet } from './k8s.js';
