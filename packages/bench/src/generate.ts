#!/usr/bin/env node
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClusterBuilder } from './builder.js';
import { addClusterPolicies } from './cluster-policies.js';
import type { K8sObject } from './k8s.js';
import { isPresetName, PRESET_NAMES, PRESETS, type PresetName, type ResolvedSizes } from './presets.js';
import { toYaml } from './yaml.js';

export interface GenerateOptions {
  preset: PresetName;
  pods?: number;
  policies?: number;
  namespaces?: number;
  /** uint32; default 1. */
  seed?: number;
  /** Also emit the Deployments, ReplicaSets and StatefulSets that own the pods (pods always carry ownerReferences). */
  workloads?: boolean;
  /** ClusterNetworkPolicies to add over the generated cluster (realistic presets; see cluster-policies.ts). */
  clusterPolicies?: number;
}

export interface GeneratedCounts extends ResolvedSizes {
  services: number;
  deployments: number;
  replicaSets: number;
  statefulSets: number;
  clusterPolicies: number;
}

export interface GeneratedCluster {
  preset: PresetName;
  seed: number;
  counts: GeneratedCounts;
  /** Namespaces, workloads, Services, Pods, NetworkPolicies, in that order. */
  objects: K8sObject[];
}

export function generate(options: GenerateOptions): GeneratedCluster {
  const preset = PRESETS[options.preset];
  const seed = (options.seed ?? 1) >>> 0;
  const sizes = preset.resolve({ pods: options.pods, policies: options.policies, namespaces: options.namespaces });
  const b = new ClusterBuilder(seed, sizes.pods, options.workloads ?? false);
  preset.build(b, sizes);
  addClusterPolicies(b, options.clusterPolicies ?? 0, seed);
  const counts: GeneratedCounts = {
    pods: b.pods.length,
    policies: b.policies.length,
    namespaces: b.namespaces.length,
    services: b.services.length,
    deployments: b.deployments.length,
    replicaSets: b.replicaSets.length,
    statefulSets: b.statefulSets.length,
    clusterPolicies: b.clusterPolicies.length,
  };
  // The preset promised exact sizes; a mismatch is a generator bug, not a user error.
  for (const k of ['pods', 'policies', 'namespaces'] as const) {
    if (counts[k] !== sizes[k]) throw new Error(`${options.preset} generated ${counts[k]} ${k}, expected ${sizes[k]}`);
  }
  return { preset: options.preset, seed, counts, objects: b.objects() };
}

/** A `kind: List`, one item per line: JSON.parse reads it fast and a diff stays readable. */
export function toJsonList(objects: readonly K8sObject[]): string {
  const items = objects.map((o) => JSON.stringify(o));
  return `{"apiVersion":"v1","kind":"List","metadata":{},"items":[\n${items.join(',\n')}\n]}\n`;
}

const KIND_DIR: Record<K8sObject['kind'], string> = {
  Namespace: 'namespaces',
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  ReplicaSet: 'replicasets',
  Service: 'services',
  Pod: 'pods',
  NetworkPolicy: 'networkpolicies',
  ClusterNetworkPolicy: 'clusternetworkpolicies',
};

/** One YAML file per object: `<kind>/<namespace>_<name>.yaml` (cluster-scoped: `<kind>/<name>.yaml`). */
export function toYamlFiles(objects: readonly K8sObject[]): { path: string; text: string }[] {
  return objects.map((o) => {
    const ns = o.metadata.namespace;
    return { path: `${KIND_DIR[o.kind]}/${ns ? `${ns}_` : ''}${o.metadata.name}.yaml`, text: toYaml(o) };
  });
}

export type OutputFormat = 'json' | 'json-stream' | 'yaml' | 'yaml-dir';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'json-stream', 'yaml', 'yaml-dir'];

/** JSON documents separated by `---` lines, as many tools emit a stream of objects. */
export function toJsonStream(objects: readonly K8sObject[]): string {
  return objects.map((o) => `${JSON.stringify(o)}\n`).join('---\n');
}

/** One YAML file of `---`-separated documents. */
export function toYamlStream(objects: readonly K8sObject[]): string {
  return objects.map((o) => toYaml(o)).join('---\n');
}

/** Writes a generated cluster: `json` to the file `out`, `yaml-dir` into the directory `out` (replaced). */
export function writeCluster(objects: readonly K8sObject[], format: OutputFormat, out: string): void {
  if (format === 'json') {
    writeFileSync(out, toJsonList(objects));
    return;
  }
  if (format === 'json-stream' || format === 'yaml') {
    writeFileSync(out, format === 'yaml' ? toYamlStream(objects) : toJsonStream(objects));
    return;
  }
  rmSync(out, { recursive: true, force: true });
  const dirs = new Set<string>();
  for (const f of toYamlFiles(objects)) {
    const dir = f.path.slice(0, f.path.indexOf('/'));
    if (!dirs.has(dir)) {
      mkdirSync(join(out, dir), { recursive: true });
      dirs.add(dir);
    }
    writeFileSync(join(out, f.path), f.text);
  }
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `usage: node packages/bench/dist/generate.js --preset NAME [--pods N] [--policies N] [--namespaces N]
         [--seed N] [--workloads] [--cluster-policies N] [--format json|json-stream|yaml|yaml-dir] --out PATH

presets:
${PRESET_NAMES.map((n) => `  ${n.padEnd(22)} ${PRESETS[n].description}`).join('\n')}

--format json      one kind: List JSON file (default)
--format json-stream  JSON documents separated by --- lines, in one file
--format yaml      one file of --- separated YAML documents
--format yaml-dir  one YAML file per object under PATH/<kind>/
--workloads        also write the Deployments, ReplicaSets and StatefulSets owning the pods
--cluster-policies N  add N ClusterNetworkPolicies (Admin and Baseline, Accept/Deny/Pass) over the cluster;
                   the rest of the output stays byte for byte what it is without them (realistic presets)`;

export interface CliArgs {
  options: GenerateOptions;
  format: OutputFormat;
  out: string;
}

function positiveInt(flag: string, v: string | undefined): number {
  if (v === undefined || !/^\d+$/.test(v)) throw new Error(`${flag} needs a non-negative integer`);
  return Number(v);
}

export function parseGenerateArgs(argv: readonly string[]): CliArgs {
  let preset: string | undefined;
  let format: OutputFormat = 'json';
  let out: string | undefined;
  const options: Partial<GenerateOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inlineValue] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inlineValue ?? argv[++i];
    switch (flag) {
      case '--preset':
        preset = value();
        break;
      case '--pods':
        options.pods = positiveInt(flag, value());
        break;
      case '--policies':
        options.policies = positiveInt(flag, value());
        break;
      case '--namespaces':
        options.namespaces = positiveInt(flag, value());
        break;
      case '--seed': {
        const s = positiveInt(flag, value());
        if (s > 0xffffffff) throw new Error('--seed must fit in 32 bits');
        options.seed = s;
        break;
      }
      case '--cluster-policies':
        options.clusterPolicies = positiveInt(flag, value());
        break;
      case '--workloads':
        options.workloads = true;
        break;
      case '--format': {
        const f = value();
        if (!(OUTPUT_FORMATS as readonly (string | undefined)[]).includes(f)) throw new Error('--format is json or yaml-dir, or json-stream or yaml for one file of --- separated documents');
        format = f as OutputFormat;
        break;
      }
      case '--out':
        out = value();
        break;
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  if (preset === undefined) throw new Error('--preset is required');
  if (!isPresetName(preset)) throw new Error(`unknown preset ${preset}; one of ${PRESET_NAMES.join(', ')}`);
  if (out === undefined) throw new Error('--out is required');
  return { options: { ...options, preset }, format, out };
}

function main(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let args: CliArgs;
  try {
    args = parseGenerateArgs(argv);
  } catch (err) {
    console.error(`generate: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  let cluster: GeneratedCluster;
  try {
    cluster = generate(args.options);
  } catch (err) {
    console.error(`generate: ${(err as Error).message}`);
    return 2;
  }
  const out = resolve(args.out);
  writeCluster(cluster.objects, args.format, out);
  const c = cluster.counts;
  console.error(
    `${cluster.preset} seed ${cluster.seed}: ${c.namespaces} namespaces, ${c.pods} pods, ${c.policies} policies, ${c.services} services` +
      (c.deployments > 0 ? `, ${c.deployments} deployments, ${c.replicaSets} replicasets` : '') +
      (c.statefulSets > 0 ? `, ${c.statefulSets} statefulsets` : '') +
      (c.clusterPolicies > 0 ? `, ${c.clusterPolicies} cluster policies` : '') +
      ` → ${out}`,
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
