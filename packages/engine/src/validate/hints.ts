/**
 * What to say about an unknown field. Most unknown fields in NetworkPolicies are not typos but
 * indentation slips: a key that is valid one level up or down. Say where it belongs.
 */
import type { PathSegment } from '../diagnostics.js';
import type { Obj, StructSchema } from './decode.js';
import { fieldHomes, NETWORK_POLICY } from './schemas.js';

const SELECTOR_FIELDS = new Set(['matchLabels', 'matchExpressions']);
const PEER_FIELDS = new Set(['podSelector', 'namespaceSelector', 'ipBlock']);
const PORT_FIELDS = new Set(['port', 'protocol', 'endPort']);
const META_FIELDS = new Set(['name', 'namespace', 'labels', 'annotations', 'generateName']);
const SPEC_FIELDS = new Set(['podSelector', 'ingress', 'egress', 'policyTypes']);

/** Human names of the places a field can belong to. */
const PLACE: Readonly<Record<string, string>> = {
  NetworkPolicy: 'the top level of the object',
  ObjectMeta: '`metadata`',
  NetworkPolicySpec: '`spec`',
  NetworkPolicyIngressRule: 'an ingress rule (an item of `spec.ingress`)',
  NetworkPolicyEgressRule: 'an egress rule (an item of `spec.egress`)',
  NetworkPolicyPort: 'a port (an item of a rule\'s `ports`)',
  NetworkPolicyPeer: 'a peer (an item of `from` or `to`)',
  IPBlock: '`ipBlock`',
  LabelSelector: 'a label selector (`podSelector` or `namespaceSelector`)',
  LabelSelectorRequirement: 'a `matchExpressions` item',
  OwnerReference: 'an `ownerReferences` item',
  ManagedFieldsEntry: 'a `managedFields` item',
};

let homes: Map<string, StructSchema[]> | undefined;

function scalarText(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/**
 * Edit distance with adjacent transpositions counted as one edit (optimal string alignment), for "did you mean"
 * suggestions: swapped letters (`lables`) are the commonest typo.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const up = rows[i - 1] as number[];
      let d = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

export function typo(key: string, fields: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const exact = fields.find((f) => f.toLowerCase() === lower);
  if (exact) return exact;
  let best: string | undefined;
  let bestD = Infinity;
  for (const f of fields) {
    const d = editDistance(lower, f.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = f;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.min(2, Math.floor(key.length / 4))) ? best : undefined;
}

/** The index of the enclosing peer list item, e.g. `from[1]`, from a path ending at a peer. */
function peerName(path: readonly PathSegment[]): string {
  const i = path[path.length - 1];
  const list = path[path.length - 2];
  return typeof i === 'number' && typeof list === 'string' ? `${list}[${i}]` : 'a peer';
}

function specific(schema: StructSchema, key: string, parent: Obj, path: readonly PathSegment[]): string | undefined {
  const value = parent[key];
  const ruleList = path.includes('egress') ? 'to' : 'from';
  switch (schema.name) {
    case 'NetworkPolicyPeer':
      if (key === 'ports') {
        return `did you mean to put \`ports\` at the rule level? it is indented under a peer (\`${peerName(path)}\`): move it left so that it lines up with \`${ruleList}:\``;
      }
      if (SELECTOR_FIELDS.has(key)) return `\`${key}\` belongs inside \`podSelector:\` or \`namespaceSelector:\`: indent it under one of them`;
      if (key === 'cidr' || key === 'except') return `\`${key}\` belongs inside \`ipBlock:\`: indent it under \`ipBlock:\``;
      if (key === 'from' || key === 'to') return `\`${key}\` is a field of the rule, not of a peer: it is indented too far`;
      break;
    case 'LabelSelector': {
      const text = scalarText(value);
      if (PEER_FIELDS.has(key)) {
        return `\`${key}\` belongs to the peer, not inside a selector: move it left so that it lines up with the selector's own key`;
      }
      if (text !== undefined) {
        const ml = parent['matchLabels'];
        const where = 'matchLabels' in parent && (ml === null || (typeof ml === 'object' && Object.keys(ml).length === 0))
          ? `it looks like a label that lost its indentation under \`matchLabels:\` (which is empty here)`
          : `it looks like a label`;
        return `a label selector holds only \`matchLabels\` and \`matchExpressions\`; \`${key}: ${text}\`: ${where}: indent it two more spaces under \`matchLabels:\``;
      }
      break;
    }
    case 'NetworkPolicyIngressRule':
    case 'NetworkPolicyEgressRule':
      if (PEER_FIELDS.has(key)) return `a peer goes in the list under \`${ruleList}:\`: write \`${ruleList}:\` and then \`- ${key}: …\` indented under it`;
      if (PORT_FIELDS.has(key)) return `\`${key}\` belongs to a port: write \`ports:\` and then \`- ${key}: …\` indented under it`;
      if (key === 'from' && ruleList === 'to') return 'egress rules list their peers under `to`, not `from`';
      if (key === 'to' && ruleList === 'from') return 'ingress rules list their peers under `from`, not `to`';
      break;
    case 'NetworkPolicyPort':
      if (key === 'name') return 'a NetworkPolicy port has no name: to match a named container port, write its name as `port: <name>`';
      if (key === 'targetPort' || key === 'containerPort') return `NetworkPolicy ports are the destination pod's ports: write \`port:\` instead of \`${key}:\``;
      if (PEER_FIELDS.has(key)) return `\`${key}\` is a peer: it belongs in the \`${ruleList}\` list, not under \`ports\``;
      break;
    case 'NetworkPolicy':
      if (SPEC_FIELDS.has(key)) return `\`${key}\` belongs under \`spec:\`: indent it under \`spec:\``;
      if (META_FIELDS.has(key)) return `\`${key}\` belongs under \`metadata:\`: indent it under \`metadata:\``;
      if (key === 'status') return 'a NetworkPolicy has no status (since Kubernetes 1.28): remove it; it is left over from `kubectl get -o yaml` of an older cluster';
      break;
    case 'ObjectMeta': {
      if (SPEC_FIELDS.has(key)) return `\`${key}\` belongs under \`spec:\`, not \`metadata:\`: move it left to the level of \`spec:\``;
      const text = scalarText(value);
      if (text !== undefined && typo(key, Object.keys(schema.fields)) === undefined) {
        return `\`${key}: ${text}\` looks like a label that lost its indentation: indent it under \`labels:\``;
      }
      break;
    }
    case 'NetworkPolicySpec':
      if (META_FIELDS.has(key)) return `\`${key}\` belongs under \`metadata:\`, not \`spec:\``;
      if (SELECTOR_FIELDS.has(key)) return `\`${key}\` belongs inside \`podSelector:\`: indent it under \`podSelector:\``;
      if (key === 'from' || key === 'to' || key === 'ports') {
        return `\`${key}\` belongs to a rule: write it as an item of \`${key === 'to' ? 'egress' : 'ingress'}:\` (\`- ${key}: …\`)`;
      }
      break;
    case 'LabelSelectorRequirement':
      if (key === 'value') return 'did you mean `values`? it takes a list: `values: [a, b]`';
      break;
  }
  return undefined;
}

export function unknownFieldHint(schema: StructSchema, key: string, parent: Obj, path: readonly PathSegment[]): string {
  const known = Object.keys(schema.fields);
  const fromSpecific = specific(schema, key, parent, path);
  if (fromSpecific) return fromSpecific;
  const near = typo(key, known);
  if (near && near.toLowerCase() === key.toLowerCase()) return `did you mean \`${near}\`? field names are case-sensitive`;
  homes ??= fieldHomes(NETWORK_POLICY);
  const elsewhere = homes.get(key)?.filter((s) => s.name !== schema.name) ?? [];
  const text = scalarText(parent[key]);
  if (elsewhere.length === 0 && !near && text !== undefined && schema.name !== 'ObjectMeta') {
    return `\`${key}: ${text}\` looks like a label that lost its indentation: labels go under \`matchLabels:\` of a selector, or under \`metadata.labels\``;
  }
  if (elsewhere.length > 0 && schema.name in PLACE) {
    const places = [...new Set(elsewhere.map((s) => PLACE[s.name] ?? s.name))].join(' or ');
    return `\`${key}\` is a field of ${places}, not of ${PLACE[schema.name]}: check its indentation`;
  }
  if (near) return `did you mean \`${near}\`?`;
  return known.length > 0 ? `remove it; ${schema.name} has the fields ${known.map((k) => `\`${k}\``).join(', ')}` : 'remove it';
}
