import { buildClasses } from '../matrix/classes.js';
import type { Cluster } from './types.js';

/**
 * The endpoint classes the matrix computes over: pods that no policy (NetworkPolicy or cluster policy) can tell
 * apart share one, and each outside address is a class of its own. Every policy answer is the same for all members of
 * a class; only "a pod reaches itself" and "a pod reaches its own node" tell members apart.
 */
export interface EndpointClasses {
  /** Endpoint index (the cluster's pods, then `ips`) -> class. */
  classOf: Int32Array;
  count: number;
}

export function endpointClasses(cluster: Cluster, ips: readonly string[] = []): EndpointClasses {
  const cm = buildClasses(cluster, ips);
  return { classOf: cm.classOf, count: cm.count };
}
