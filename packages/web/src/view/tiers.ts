import { explainClusterPolicy, type Cluster } from '@kordon/engine';
import type { SourceLink } from './explain.js';

/** One cluster policy in the page's list: in evaluation order, Admin first, with its place in the editor. */
export interface ClusterPolicyItem {
  id: string;
  tier: 'Admin' | 'Baseline';
  /** `priority 10`, or the BaselineAdminNetworkPolicy's place after every Baseline ClusterNetworkPolicy. */
  priority: string;
  subject: string;
  pods: number;
  rules: string;
  link?: SourceLink;
}

export function clusterPolicyItems(cluster: Cluster): ClusterPolicyItem[] {
  const items = cluster.clusterPolicies.map((p) => {
    const e = explainClusterPolicy(cluster, p);
    const actions = (rules: typeof e.ingress) => rules.map((r) => r.action).join(', ');
    const item: ClusterPolicyItem = {
      id: e.id,
      tier: e.tier,
      priority: e.priority === null ? 'last' : `priority ${e.priority}`,
      subject: e.subject.text,
      pods: e.subject.pods.length,
      rules: [e.ingress.length ? `ingress ${actions(e.ingress)}` : '', e.egress.length ? `egress ${actions(e.egress)}` : ''].filter(Boolean).join('; ') || 'no rules',
    };
    if (e.location && e.location.line > 0) item.link = { file: e.location.file, line: e.location.line, column: e.location.column };
    return { item, order: e.order };
  });
  return items.sort((a, b) => (a.item.tier === b.item.tier ? a.order - b.order : a.item.tier === 'Admin' ? -1 : 1)).map((x) => x.item);
}
