import type {
  ClusterNetworkPolicy,
  Container,
  Deployment,
  K8sObject,
  Labels,
  Namespace,
  NetworkPolicy,
  Pod,
  ReplicaSet,
  Service,
  ServicePort,
  StatefulSet,
} from './k8s.js';
import { Prng } from './prng.js';

/** Kubernetes' scheduling design point: at most 110 pods per node. */
export const PODS_PER_NODE = 110;
/** Nodes get consecutive /24s of 10.0.0.0/12, so 4096 nodes at most. */
const MAX_NODES = 4096;
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

/**
 * Collects the objects of one generated cluster and hands out what must be unique or consistent across it:
 * UIDs, pod IPs (round-robin over ⌈N/110⌉ nodes, each owning a /24 of 10.0.0.0/12), Service IPs and names.
 */
export class ClusterBuilder {
  /** Random choices that shape the cluster. */
  readonly rng: Prng;
  /** A separate stream for UIDs and name suffixes, so shape decisions do not shift when an object gains a UID. */
  private readonly idRng: Prng;
  readonly namespaces: Namespace[] = [];
  readonly deployments: Deployment[] = [];
  readonly replicaSets: ReplicaSet[] = [];
  readonly statefulSets: StatefulSet[] = [];
  readonly services: Service[] = [];
  readonly pods: Pod[] = [];
  readonly policies: NetworkPolicy[] = [];
  readonly clusterPolicies: ClusterNetworkPolicy[] = [];
  private readonly nodes: number;
  private readonly names = new Set<string>();
  private serviceCount = 0;
  private readonly deploymentUids = new Map<string, string>();

  constructor(
    seed: number,
    readonly plannedPods: number,
    readonly emitWorkloads: boolean,
  ) {
    this.rng = new Prng(seed);
    this.idRng = new Prng((seed ^ 0x5bd1e995) >>> 0);
    this.nodes = Math.max(1, Math.ceil(plannedPods / PODS_PER_NODE));
    if (this.nodes > MAX_NODES) throw new Error(`at most ${MAX_NODES * PODS_PER_NODE} pods (${MAX_NODES} nodes × ${PODS_PER_NODE})`);
  }

  uid(): string {
    return this.idRng.uuid();
  }

  /** A k8s-style random suffix that is unique within `scope` (a namespace, or '' for cluster scope). */
  uniqueSuffix(scope: string, prefix: string, length: number): string {
    for (;;) {
      const name = `${prefix}${this.idRng.k8sString(length)}`;
      if (this.claim(scope, name)) return name;
    }
  }

  /** A random k8s-style string (pod-template-hash and the like), not checked for uniqueness. */
  idString(length: number): string {
    return this.idRng.k8sString(length);
  }

  /** Records `name` as used in `scope`; false when it already was. */
  claim(scope: string, name: string): boolean {
    const key = `${scope}/${name}`;
    if (this.names.has(key)) return false;
    this.names.add(key);
    return true;
  }

  addNamespace(name: string, labels: Labels = {}): Namespace {
    if (!this.claim('', `ns:${name}`)) throw new Error(`namespace ${name} generated twice`);
    const ns: Namespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, uid: this.uid(), labels: { 'kubernetes.io/metadata.name': name, ...labels } },
    };
    this.namespaces.push(ns);
    return ns;
  }

  /** The address the next pod will get (pods are numbered in the order they are added). */
  nextPodIP(): string {
    return this.podIP(this.pods.length);
  }

  private podIP(i: number): string {
    const node = i % this.nodes;
    const slot = Math.floor(i / this.nodes);
    return `10.${node >> 8}.${node & 255}.${slot + 2}`;
  }

  /** How many nodes (and so node /24s) the cluster has. */
  get nodeCount(): number {
    return this.nodes;
  }

  addPod(namespace: string, name: string, labels: Labels, containers: Container[], owner?: OwnerRef): Pod {
    const i = this.pods.length;
    if (i >= this.plannedPods) throw new Error(`more pods than the ${this.plannedPods} planned`);
    const node = i % this.nodes;
    const ip = this.podIP(i);
    const hostIdx = node + 10;
    const hostIP = `172.${16 + (hostIdx >> 16)}.${(hostIdx >> 8) & 255}.${hostIdx & 255}`;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, uid: this.uid(), labels },
      spec: { nodeName: `node-${node}`, containers },
      status: { phase: 'Running', hostIP, podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
    };
    if (owner) {
      pod.metadata.ownerReferences = [
        { apiVersion: 'apps/v1', kind: owner.kind ?? 'ReplicaSet', name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true },
      ];
    }
    this.pods.push(pod);
    return pod;
  }

  /**
   * A Deployment and its current ReplicaSet. The ReplicaSet reference is returned for the pods' ownerReferences;
   * the objects themselves are emitted only when workloads are requested.
   */
  addDeployment(namespace: string, name: string, templateHash: string, labels: Labels, replicas: number, containers: Container[]): ReplicaSetRef {
    const depUid = this.uid();
    this.deploymentUids.set(`${namespace}/${name}`, depUid);
    const rsName = `${name}-${templateHash}`;
    const rsUid = this.uid();
    if (this.emitWorkloads) {
      const selectorLabels: Labels = {};
      for (const [k, v] of Object.entries(labels)) if (k !== 'pod-template-hash') selectorLabels[k] = v;
      const dep: Deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace, uid: depUid, labels: selectorLabels },
        spec: { replicas, selector: { matchLabels: { ...selectorLabels } }, template: { metadata: { labels: { ...selectorLabels } }, spec: { containers } } },
      };
      const rs: ReplicaSet = {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: rsName,
          namespace,
          uid: rsUid,
          labels,
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: depUid, controller: true, blockOwnerDeletion: true }],
        },
        spec: { replicas, selector: { matchLabels: { ...labels } }, template: { metadata: { labels: { ...labels } }, spec: { containers } } },
      };
      this.deployments.push(dep);
      this.replicaSets.push(rs);
    }
    return { name: rsName, uid: rsUid };
  }

  /** The previous ReplicaSet of a Deployment caught mid-rollout, with its own template hash and replicas. */
  addPreviousReplicaSet(namespace: string, deployment: string, templateHash: string, labels: Labels, replicas: number, containers: Container[]): ReplicaSetRef {
    const depUid = this.deploymentUids.get(`${namespace}/${deployment}`);
    if (depUid === undefined) throw new Error(`no Deployment ${namespace}/${deployment}`);
    const name = `${deployment}-${templateHash}`;
    const uid = this.uid();
    if (this.emitWorkloads) {
      this.replicaSets.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name, namespace, uid, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, uid: depUid, controller: true, blockOwnerDeletion: true }] },
        spec: { replicas, selector: { matchLabels: { ...labels } }, template: { metadata: { labels: { ...labels } }, spec: { containers } } },
      });
    }
    return { name, uid };
  }

  /**
   * A StatefulSet: its pods are named `<name>-<ordinal>` and, as the controller does, each gets its own
   * `statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index` labels on top of `labels`.
   */
  addStatefulSet(namespace: string, name: string, labels: Labels, replicas: number, containers: Container[]): OwnerRef {
    const uid = this.uid();
    if (this.emitWorkloads) {
      this.statefulSets.push({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name, namespace, uid, labels: { ...labels } },
        spec: { replicas, serviceName: name, selector: { matchLabels: { ...labels } }, template: { metadata: { labels: { ...labels } }, spec: { containers } } },
      });
    }
    return { kind: 'StatefulSet', name, uid };
  }

  /** A ClusterIP Service from 10.96.0.0/12; `fixedIP` for well-known ones such as kube-dns at 10.96.0.10. */
  addService(namespace: string, name: string, selector: Labels, ports: ServicePort[], fixedIP?: string): Service {
    let ip = fixedIP;
    if (ip === undefined) {
      // Start above 10.96.1.0 so generated addresses never collide with the well-known low ones.
      const j = 256 + this.serviceCount++;
      ip = `10.${96 + (j >> 16)}.${(j >> 8) & 255}.${j & 255}`;
    }
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, uid: this.uid() },
      spec: { type: 'ClusterIP', selector, clusterIP: ip, clusterIPs: [ip], ports },
    };
    this.services.push(svc);
    return svc;
  }

  addPolicy(namespace: string, name: string, spec: NetworkPolicy['spec']): NetworkPolicy {
    if (!this.claim(namespace, `np:${name}`)) throw new Error(`policy ${namespace}/${name} generated twice`);
    const np: NetworkPolicy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace, uid: this.uid() }, spec };
    this.policies.push(np);
    return np;
  }

  /** Every object, kinds in dependency order: namespaces, workloads, services, pods, policies, cluster policies. */
  objects(): K8sObject[] {
    return [...this.namespaces, ...this.deployments, ...this.replicaSets, ...this.statefulSets, ...this.services, ...this.pods, ...this.policies, ...this.clusterPolicies];
  }
}

/** The controller a pod's ownerReference names (a ReplicaSet unless said otherwise). */
export interface OwnerRef {
  kind?: 'ReplicaSet' | 'StatefulSet';
  name: string;
  uid: string;
}
export type ReplicaSetRef = OwnerRef;

export function pauseContainer(): Container {
  return { name: 'app', image: PAUSE_IMAGE };
}
