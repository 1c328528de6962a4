import type { K8sObject, LabelSelector, NetworkPolicyPeer, NetworkPolicyPort } from './k8s.js';

/**
 * Structural checks of generated objects against the Kubernetes API's validation rules (names, labels,
 * selectors, ports, CIDRs). Independent of the engine so a generator bug cannot hide behind an engine bug.
 * Returns one message per problem; empty when everything would be accepted by an API server.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const isDns1123Label = (s: string): boolean => s.length <= 63 && DNS1123_LABEL.test(s);
export const isDns1123Subdomain = (s: string): boolean => s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
export const isDns1035Label = (s: string): boolean => s.length <= 63 && DNS1035_LABEL.test(s);

/** A label key: optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
export function isLabelKey(k: string): boolean {
  const slash = k.indexOf('/');
  const name = slash < 0 ? k : k.slice(slash + 1);
  if (slash >= 0 && !isDns1123Subdomain(k.slice(0, slash))) return false;
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name);
}

export const isLabelValue = (v: string): boolean => v === '' || (v.length <= 63 && QUALIFIED_NAME.test(v));

/** IANA_SVC_NAME: at most 15 characters, lower-case letters, digits and inner single hyphens, one letter at least. */
export function isPortName(s: string): boolean {
  return s.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s) && !s.includes('--') && /[a-z]/.test(s);
}

/** Parses canonical dotted-quad IPv4 text (no leading zeros); undefined otherwise. */
export function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = v * 256 + Number(p);
  }
  return v;
}

/** A CIDR written canonically: network address with no host bits set. */
export function parseCanonicalCidr(s: string): { base: number; prefix: number } | undefined {
  const m = /^([^/]+)\/(0|[1-9]\d?)$/.exec(s);
  if (!m) return undefined;
  const base = parseIPv4(m[1]!);
  const prefix = Number(m[2]);
  if (base === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined;
  return { base, prefix };
}

export function checkObjects(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const namespaces = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const seen = new Set<string>();
  const uids = new Set<string>();
  const podIPs = new Set<string>();
  for (const o of objects) {
    const where = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
    const bad = (msg: string) => problems.push(`${where}: ${msg}`);
    const m = o.metadata;
    const key = `${o.kind}/${m.namespace ?? ''}/${m.name}`;
    if (seen.has(key)) bad('defined twice');
    seen.add(key);
    if (!UUID.test(m.uid)) bad(`uid ${m.uid} is not a UUID`);
    if (uids.has(m.uid)) bad(`uid ${m.uid} reused`);
    uids.add(m.uid);
    if (o.kind === 'ClusterNetworkPolicy') {
      if (m.namespace !== undefined) bad('a ClusterNetworkPolicy has no namespace');
      if (!isDns1123Subdomain(m.name)) bad('name is not a DNS-1123 subdomain');
    } else if (o.kind === 'Namespace') {
      if (m.namespace !== undefined) bad('a Namespace has no namespace');
      if (!isDns1123Label(m.name)) bad('name is not a DNS-1123 label');
      if (m.labels?.['kubernetes.io/metadata.name'] !== m.name) bad('kubernetes.io/metadata.name label missing or wrong');
    } else {
      if (m.namespace === undefined || !namespaces.has(m.namespace)) bad(`namespace ${m.namespace} is not among the generated Namespaces`);
      const nameOk = o.kind === 'Service' ? isDns1035Label(m.name) : isDns1123Subdomain(m.name);
      if (!nameOk) bad(`name is not a valid ${o.kind === 'Service' ? 'DNS-1035 label' : 'DNS-1123 subdomain'}`);
    }
    checkLabels(m.labels ?? {}, 'metadata.labels', bad);

    switch (o.kind) {
      case 'Pod': {
        if (o.spec.containers.length === 0) bad('no containers');
        const containerNames = new Set<string>();
        const portNames = new Set<string>();
        for (const c of o.spec.containers) {
          if (!isDns1123Label(c.name)) bad(`container name ${c.name} is not a DNS-1123 label`);
          if (containerNames.has(c.name)) bad(`container ${c.name} twice`);
          containerNames.add(c.name);
          if (c.image === '') bad(`container ${c.name} has no image`);
          for (const p of c.ports ?? []) {
            if (!validPort(p.containerPort)) bad(`containerPort ${p.containerPort} out of range`);
            if (!['TCP', 'UDP', 'SCTP'].includes(p.protocol)) bad(`protocol ${p.protocol}`);
            if (p.name !== undefined) {
              if (!isPortName(p.name)) bad(`port name ${p.name} is not an IANA_SVC_NAME`);
              if (portNames.has(p.name)) bad(`port name ${p.name} used twice in the pod`);
              portNames.add(p.name);
            }
          }
        }
        const ip = o.status.podIP;
        if (parseIPv4(ip) === undefined) bad(`podIP ${ip} is not canonical IPv4`);
        if (o.status.podIPs[0]?.ip !== ip) bad('podIPs[0] differs from podIP');
        if (podIPs.has(ip)) bad(`podIP ${ip} used by another pod`);
        podIPs.add(ip);
        if (parseIPv4(o.status.hostIP) === undefined) bad(`hostIP ${o.status.hostIP} is not canonical IPv4`);
        break;
      }
      case 'Service': {
        const names = new Set<string>();
        if (parseIPv4(o.spec.clusterIP) === undefined) bad(`clusterIP ${o.spec.clusterIP} is not canonical IPv4`);
        checkLabels(o.spec.selector, 'spec.selector', bad);
        for (const p of o.spec.ports) {
          if (names.has(p.name)) bad(`port name ${p.name} twice`);
          names.add(p.name);
          if (!isDns1123Label(p.name)) bad(`port name ${p.name} is not a DNS-1123 label`);
          if (!validPort(p.port)) bad(`port ${p.port} out of range`);
          if (typeof p.targetPort === 'string' ? !isPortName(p.targetPort) : !validPort(p.targetPort)) bad(`targetPort ${p.targetPort} invalid`);
        }
        break;
      }
      case 'Deployment':
      case 'ReplicaSet':
      case 'StatefulSet':
        checkSelector(o.spec.selector, 'spec.selector', bad);
        checkLabels(o.spec.template.metadata.labels, 'spec.template.metadata.labels', bad);
        for (const [k, v] of Object.entries(o.spec.selector.matchLabels ?? {})) {
          if (o.spec.template.metadata.labels[k] !== v) bad('selector does not match the template labels');
        }
        break;
      case 'NetworkPolicy': {
        const s = o.spec;
        checkSelector(s.podSelector, 'spec.podSelector', bad);
        const types = s.policyTypes ?? [];
        if (new Set(types).size !== types.length || types.some((t) => t !== 'Ingress' && t !== 'Egress')) bad(`policyTypes ${JSON.stringify(types)}`);
        if (s.policyTypes !== undefined && types.length === 0) bad('policyTypes written but empty');
        s.ingress?.forEach((r, i) => checkRule(r.from, r.ports, `spec.ingress[${i}]`, bad));
        s.egress?.forEach((r, i) => checkRule(r.to, r.ports, `spec.egress[${i}]`, bad));
        break;
      }
    }
  }
  return problems;
}

const validPort = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 65535;

function checkLabels(labels: Record<string, string>, path: string, bad: (m: string) => void): void {
  for (const [k, v] of Object.entries(labels)) {
    if (!isLabelKey(k)) bad(`${path}: key ${k} is not a qualified name`);
    if (typeof v !== 'string' || !isLabelValue(v)) bad(`${path}: value ${v} of ${k} is not a label value`);
  }
}

function checkSelector(sel: LabelSelector, path: string, bad: (m: string) => void): void {
  checkLabels(sel.matchLabels ?? {}, `${path}.matchLabels`, bad);
  sel.matchExpressions?.forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    if (!isLabelKey(e.key)) bad(`${p}: key ${e.key}`);
    const values = e.values ?? [];
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (values.length === 0) bad(`${p}: ${e.operator} needs values`);
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (values.length > 0) bad(`${p}: ${e.operator} takes no values`);
    } else bad(`${p}: operator ${String(e.operator)}`);
    for (const v of values) if (!isLabelValue(v)) bad(`${p}: value ${v}`);
  });
}

function checkRule(peers: NetworkPolicyPeer[] | undefined, ports: NetworkPolicyPort[] | undefined, path: string, bad: (m: string) => void): void {
  peers?.forEach((peer, i) => {
    const p = `${path}.peers[${i}]`;
    const selectors = peer.podSelector !== undefined || peer.namespaceSelector !== undefined;
    if (peer.ipBlock !== undefined) {
      if (selectors) bad(`${p}: ipBlock together with a selector`);
      const cidr = parseCanonicalCidr(peer.ipBlock.cidr);
      if (!cidr) bad(`${p}: cidr ${peer.ipBlock.cidr} is not canonical`);
      for (const ex of peer.ipBlock.except ?? []) {
        const e = parseCanonicalCidr(ex);
        if (!e) bad(`${p}: except ${ex} is not canonical`);
        else if (cidr && (e.prefix <= cidr.prefix || Math.floor(e.base / 2 ** (32 - cidr.prefix)) !== cidr.base / 2 ** (32 - cidr.prefix))) bad(`${p}: except ${ex} is not strictly inside ${peer.ipBlock.cidr}`);
      }
    } else if (!selectors) bad(`${p}: empty peer`);
    if (peer.podSelector) checkSelector(peer.podSelector, `${p}.podSelector`, bad);
    if (peer.namespaceSelector) checkSelector(peer.namespaceSelector, `${p}.namespaceSelector`, bad);
  });
  ports?.forEach((port, i) => {
    const p = `${path}.ports[${i}]`;
    if (port.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(port.protocol)) bad(`${p}: protocol ${port.protocol}`);
    if (typeof port.port === 'string') {
      if (!isPortName(port.port)) bad(`${p}: port name ${port.port}`);
      if (port.endPort !== undefined) bad(`${p}: endPort with a named port`);
    } else if (port.port !== undefined) {
      if (!validPort(port.port)) bad(`${p}: port ${port.port}`);
      if (port.endPort !== undefined && (!validPort(port.endPort) || port.endPort < port.port)) bad(`${p}: endPort ${port.endPort}`);
    } else if (port.endPort !== undefined) bad(`${p}: endPort without port`);
  });
}
