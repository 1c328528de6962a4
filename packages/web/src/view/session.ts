import {
  buildCluster,
  compareDiagnostics,
  kindEntry,
  loadSource,
  normalizePolicy,
  validateObject,
  type Cluster,
  type Diagnostic,
  type LoadedObject,
  type Policy,
  type RejectedPolicy,
  type SourceFile,
} from '@kordon/engine';

/**
 * Kinds whose validation the cluster builder would run (the kinds of the engine's registry, cluster policies and
 * Nodes included); other kinds it skips or notes itself. The build is then told the objects are already validated.
 */
const validated = (obj: LoadedObject): boolean => kindEntry(obj) !== undefined;

interface FileState {
  text: string;
  objects: LoadedObject[];
  /** Load problems and validation problems of this file's objects. */
  diagnostics: Diagnostic[];
  /** Objects with no validation error: the ones the cluster is built from. */
  valid: LoadedObject[];
  rejected: RejectedPolicy[];
  /** Every object of the file is a NetworkPolicy: an edit of it cannot change pods, workloads or namespaces. */
  policiesOnly: boolean;
  /** The valid policies, normalized; made on first use. */
  policies?: Policy[];
}

export interface Evaluation {
  cluster: Cluster;
  /** Every problem of every file, sorted by file and line. */
  diagnostics: Diagnostic[];
  /** Milliseconds spent: loading and validating changed files, building the cluster. */
  timings: { load: number; build: number };
  /** True when only policies were rebuilt (the pods and namespaces of the previous cluster were kept). */
  incremental: boolean;
}

/**
 * The files of the page and what the engine made of them. An edit re-reads and re-validates only the edited file;
 * the cluster is rebuilt from cached, already validated objects (as `buildCluster` would, minus the repeated work).
 */
export class Session {
  private readonly files = new Map<string, FileState>();
  private loadMs = 0;
  private last: { cluster: Cluster; buildDiagnostics: Diagnostic[] } | undefined;
  /** Whether everything edited since the last evaluation held policies only, before and after. */
  private policyEditsOnly = false;

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
    this.last = undefined;
    for (const f of files) this.setFile(f.name, f.text, f.undecodable);
  }

  /**
   * Adds or replaces one file; unchanged text costs nothing. `undecodable`: the bytes of a file read from disk that
   * were not UTF-8 (an edit in the page has none), so they are reported at their place as the CLI reports them.
   */
  setFile(name: string, text: string, undecodable?: SourceFile['undecodable']): void {
    const old = this.files.get(name);
    if (old?.text === text) return;
    const t0 = now();
    const next = readFile(name, text, undecodable);
    this.files.set(name, next);
    this.loadMs += now() - t0;
    this.noteEdit(old, next);
  }

  removeFile(name: string): void {
    const old = this.files.get(name);
    this.files.delete(name);
    this.noteEdit(old, undefined);
  }

  private noteEdit(before: FileState | undefined, after: FileState | undefined): void {
    const onlyPolicies = (before === undefined || before.policiesOnly) && (after === undefined || after.policiesOnly);
    if (this.last && !this.dirty) this.policyEditsOnly = true;
    this.dirty = true;
    if (!onlyPolicies) this.policyEditsOnly = false;
  }

  private dirty = false;

  evaluate(): Evaluation {
    const t0 = now();
    const diagnostics: Diagnostic[] = [];
    const rejected: RejectedPolicy[] = [];
    for (const f of this.files.values()) {
      diagnostics.push(...f.diagnostics);
      rejected.push(...f.rejected);
    }
    const incremental = this.last && this.dirty && this.policyEditsOnly ? this.policiesOnto(this.last.cluster) : undefined;
    let cluster: Cluster;
    let buildDiagnostics: Diagnostic[];
    if (incremental) {
      cluster = { ...incremental, rejectedPolicies: rejected };
      buildDiagnostics = this.last!.buildDiagnostics;
    } else {
      const valid: LoadedObject[] = [];
      for (const f of this.files.values()) valid.push(...f.valid);
      const built = buildCluster(valid, { trusted: true });
      cluster = { ...built.cluster, rejectedPolicies: rejected };
      buildDiagnostics = built.diagnostics;
    }
    this.last = { cluster, buildDiagnostics };
    this.dirty = false;
    this.policyEditsOnly = false;
    diagnostics.push(...buildDiagnostics);
    diagnostics.sort(compareDiagnostics);
    const timings = { load: this.loadMs, build: now() - t0 };
    this.loadMs = 0;
    return { cluster, diagnostics, timings, incremental: incremental !== undefined };
  }

  /**
   * The previous cluster with this session's policies: what buildCluster would return when only policy files changed.
   * Undefined when that is not certain (a policy names a namespace the cluster lacks, or two policies share a name,
   * which buildCluster reports), and then the caller builds from scratch.
   */
  private policiesOnto(prev: Cluster): Cluster | undefined {
    const namespaces = new Set(prev.namespaces.map((n) => n.name));
    const policies: Policy[] = [];
    const ids = new Set<string>();
    for (const f of this.files.values()) {
      if (!f.policiesOnly) continue;
      f.policies ??= f.valid.map(normalizePolicy);
      for (const p of f.policies) {
        if (!namespaces.has(p.namespace) || ids.has(p.id)) return undefined;
        ids.add(p.id);
        policies.push(p);
      }
    }
    // Policies in files that hold other kinds too are kept as they were: those files did not change.
    for (const p of prev.policies) {
      if (!this.isInMixedFile(p)) continue;
      if (ids.has(p.id)) return undefined;
      ids.add(p.id);
      policies.push(p);
    }
    policies.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { ...prev, policies };
  }

  /** The policy comes from a file that holds other kinds too (unchanged, or the build would not be incremental). */
  private isInMixedFile(p: Policy): boolean {
    const file = p.source?.file;
    const f = file === undefined ? undefined : this.files.get(file);
    return f !== undefined && !f.policiesOnly;
  }
}

function readFile(name: string, text: string, undecodable: SourceFile['undecodable']): FileState {
  const loaded = loadSource(undecodable?.length ? { name, text, undecodable } : { name, text });
  const diagnostics = [...loaded.diagnostics];
  const valid: LoadedObject[] = [];
  const rejected: RejectedPolicy[] = [];
  for (const obj of loaded.objects) {
    if (!validated(obj)) {
      valid.push(obj);
      continue;
    }
    const problems = validateObject(obj);
    diagnostics.push(...problems);
    const errors = problems.filter((p) => p.severity === 'error').length;
    if (errors === 0) valid.push(obj);
    else if (obj.kind === 'NetworkPolicy') rejected.push({ namespace: obj.namespace ?? 'default', name: obj.name, source: obj.source, errors });
  }
  const policiesOnly = loaded.objects.length > 0 && loaded.objects.every((o) => o.kind === 'NetworkPolicy');
  return { text, objects: loaded.objects, diagnostics, valid, rejected, policiesOnly };
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
