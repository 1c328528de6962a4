import {
  buildCluster,
  compareDiagnostics,
  loadSource,
  validateObject,
  type Cluster,
  type Diagnostic,
  type LoadedObject,
  type RejectedPolicy,
  type SourceFile,
} from '@kordon/engine';

/** Kinds whose validation the cluster builder would run; other kinds it skips or notes itself. */
const VALIDATED = new Set(['Namespace', 'Pod', 'Service', 'NetworkPolicy', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController']);

interface FileState {
  text: string;
  objects: LoadedObject[];
  /** Load problems and validation problems of this file's objects. */
  diagnostics: Diagnostic[];
  /** Objects with no validation error: the ones the cluster is built from. */
  valid: LoadedObject[];
  rejected: RejectedPolicy[];
}

export interface Evaluation {
  cluster: Cluster;
  /** Every problem of every file, sorted by file and line. */
  diagnostics: Diagnostic[];
  /** Milliseconds spent: loading and validating changed files, building the cluster. */
  timings: { load: number; build: number };
}

/**
 * The files of the page and what the engine made of them. An edit re-reads and re-validates only the edited file;
 * the cluster is rebuilt from cached, already validated objects (as `buildCluster` would, minus the repeated work).
 */
export class Session {
  private readonly files = new Map<string, FileState>();
  private loadMs = 0;

  names(): string[] {
    return [...this.files.keys()];
  }

  text(name: string): string | undefined {
    return this.files.get(name)?.text;
  }

  /** Replaces every file. */
  setFiles(files: readonly SourceFile[]): void {
    this.files.clear();
    this.loadMs = 0;
    for (const f of files) this.setFile(f.name, f.text);
  }

  /** Adds or replaces one file; unchanged text costs nothing. */
  setFile(name: string, text: string): void {
    if (this.files.get(name)?.text === text) return;
    const t0 = now();
    this.files.set(name, readFile(name, text));
    this.loadMs += now() - t0;
  }

  removeFile(name: string): void {
    this.files.delete(name);
  }

  evaluate(): Evaluation {
    const t0 = now();
    const valid: LoadedObject[] = [];
    const diagnostics: Diagnostic[] = [];
    const rejected: RejectedPolicy[] = [];
    for (const f of this.files.values()) {
      valid.push(...f.valid);
      diagnostics.push(...f.diagnostics);
      rejected.push(...f.rejected);
    }
    const built = buildCluster(valid, { trusted: true });
    diagnostics.push(...built.diagnostics);
    diagnostics.sort(compareDiagnostics);
    const cluster: Cluster = { ...built.cluster, rejectedPolicies: rejected };
    const timings = { load: this.loadMs, build: now() - t0 };
    this.loadMs = 0;
    return { cluster, diagnostics, timings };
  }
}

function readFile(name: string, text: string): FileState {
  const loaded = loadSource({ name, text });
  const diagnostics = [...loaded.diagnostics];
  const valid: LoadedObject[] = [];
  const rejected: RejectedPolicy[] = [];
  for (const obj of loaded.objects) {
    if (!VALIDATED.has(obj.kind)) {
      valid.push(obj);
      continue;
    }
    const problems = validateObject(obj);
    diagnostics.push(...problems);
    const errors = problems.filter((p) => p.severity === 'error').length;
    if (errors === 0) valid.push(obj);
    else if (obj.kind === 'NetworkPolicy') rejected.push({ namespace: obj.namespace ?? 'default', name: obj.name, source: obj.source, errors });
  }
  return { text, objects: loaded.objects, diagnostics, valid, rejected };
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
