// Cluster policy validation: what the CRDs' OpenAPI schemas and CEL rules reject, located at file:line:column with the
// field path. Each case is a manifest and the diagnostics it must give (codes, paths, positions; never the wording).
import { describe, expect, test } from 'vitest';
import { found, type Found } from '../validate/__fixtures__/run.js';

const e = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'error', path, line, column });
const w = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'warning', path, line, column });

/** A ClusterNetworkPolicy whose spec continues with `body`, which starts on line 6. */
const cnp = (body: string, name = 'p'): string => `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: ${name}
spec:
${body.replace(/^\n/, '')}`;

const anp = (kind: 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy', body: string, name = 'default'): string => `apiVersion: policy.networking.k8s.io/v1alpha1
kind: ${kind}
metadata:
  name: ${name}
spec:
${body.replace(/^\n/, '')}`;

const SUBJECT = '  subject:\n    namespaces: {}\n';

type Case = [name: string, text: string, expected: Found[]];

describe('ClusterNetworkPolicy (v1alpha2)', () => {
  test.each<Case>([
    [
      'a valid policy with every peer and protocol kind',
      cnp(`  tier: Admin
  priority: 1000
  subject:
    pods:
      namespaceSelector: {matchLabels: {team: a}}
      podSelector: {}
  ingress:
    - name: from-pods
      action: Pass
      from: [{pods: {podSelector: {matchLabels: {app: web}}}}, {namespaces: {}}]
      protocols: [{tcp: {destinationPort: {number: 80}}}, {destinationNamedPort: http}]
  egress:
    - action: Deny
      to: [{networks: [10.0.0.0/8, "fd00::/8"]}, {nodes: {matchLabels: {kubernetes.io/os: linux}}}]
      protocols: [{udp: {destinationPort: {range: {start: 1000, end: 2000}}}}, {sctp: {destinationPort: {number: 9}}}]
    - action: Accept
      to: [{domainNames: ["*.example.com"]}]
`),
      [],
    ],
    ['tier, priority and subject are required', cnp('  ingress: []\n'), [e('field-required', 'spec.tier', 5, 1), e('field-required', 'spec.priority', 5, 1), e('field-required', 'spec.subject', 5, 1)]],
    ['tier is Admin or Baseline', cnp(`  tier: admin\n  priority: 0\n${SUBJECT}`), [e('enum-unsupported', 'spec.tier', 6, 3)]],
    ['priority is 0 to 1000', cnp(`  tier: Admin\n  priority: 1001\n${SUBJECT}`), [e('priority-invalid', 'spec.priority', 7, 3)]],
    ['subject has exactly one field', cnp('  tier: Admin\n  priority: 1\n  subject:\n    namespaces: {}\n    pods: {podSelector: {}}\n'), [e('oneof-many', 'spec.subject', 8, 3)]],
    ['a pods subject needs a podSelector', cnp('  tier: Admin\n  priority: 1\n  subject:\n    pods: {namespaceSelector: {}}\n'), [e('field-required', 'spec.subject.pods.podSelector', 9, 5)]],
    [
      'action is Accept, Deny or Pass (Allow is v1alpha1)',
      cnp(`  tier: Admin\n  priority: 1\n${SUBJECT}  egress:\n    - action: Allow\n      to: [{namespaces: {}}]\n`),
      [e('enum-unsupported', 'spec.egress[0].action', 11, 7)],
    ],
    [
      'from needs at least one peer',
      cnp(`  tier: Admin\n  priority: 1\n${SUBJECT}  ingress:\n    - action: Deny\n      from: []\n`),
      [e('too-few', 'spec.ingress[0].from', 12, 7)],
    ],
    [
      'an ingress peer has no networks; the unknown field fails closed',
      cnp(`  tier: Admin\n  priority: 1\n${SUBJECT}  ingress:\n    - action: Deny\n      from: [{networks: [10.0.0.0/8]}]\n`),
      [w('peer-field-unknown', 'spec.ingress[0].from[0].networks', 12, 15)],
    ],
    [
      'a peer has exactly one field',
      cnp(`  tier: Admin\n  priority: 1\n${SUBJECT}  egress:\n    - action: Deny\n      to: [{namespaces: {}, networks: [10.0.0.0/8]}]\n`),
      [e('oneof-many', 'spec.egress[0].to[0]', 12, 12)],
    ],
    [
      'networks are CIDRs',
      cnp(`  tier: Admin\n  priority: 1\n${SUBJECT}  egress:\n    - action: Deny\n      to: [{networks: [10.0.0.1, 10.0.0.0/8, 10.0.0.0/8]}]\n`),
      [e('cidr-invalid', 'spec.egress[0].to[0].networks[0]', 12, 24), e('duplicate-value', 'spec.egress[0].to[0].networks[2]', 12, 46)],
    ],
    [
      'a port range starts below its end',
      cnp(`  tier: Admin\n  priority: 1\n${SUBJECT}  egress:\n    - action: Deny\n      to: [{namespaces: {}}]\n      protocols: [{tcp: {destinationPort: {range: {start: 80, end: 80}}}}]\n`),
      [e('range-invalid', 'spec.egress[0].protocols[0].tcp.destinationPort.range', 13, 44)],
    ],
    [
      'a protocol entry needs a destinationPort, and has one field',
      cnp(`  tier: Admin\n  priority: 1\n${SUBJECT}  egress:\n    - action: Deny\n      to: [{namespaces: {}}]\n      protocols: [{tcp: {}}, {udp: {destinationPort: {number: 0}}, destinationNamedPort: dns}]\n`),
      [e('oneof-none', 'spec.egress[0].protocols[0].tcp', 13, 20), e('oneof-many', 'spec.egress[0].protocols[1]', 13, 30)],
    ],
    [
      'no named port beside a networks or nodes peer (CEL)',
      cnp(`  tier: Admin\n  priority: 1\n${SUBJECT}  egress:\n    - action: Accept\n      to: [{networks: [10.0.0.0/8]}]\n      protocols: [{destinationNamedPort: http}]\n`),
      [e('namedport-address-peer', 'spec.egress[0]', 11, 7)],
    ],
    [
      'at most 25 rules',
      cnp(`  tier: Baseline\n  priority: 1\n${SUBJECT}  egress:\n${'    - {action: Deny, to: [{namespaces: {}}]}\n'.repeat(26)}`),
      [e('too-many', 'spec.egress', 10, 3)],
    ],
    [
      'at most 25 peers',
      cnp(`  tier: Baseline\n  priority: 1\n${SUBJECT}  egress:\n    - action: Deny\n      to:\n${'        - namespaces: {}\n'.repeat(26)}`),
      [e('too-many', 'spec.egress[0].to', 12, 7)],
    ],
    [
      'rule names are at most 100 characters',
      cnp(`  tier: Admin\n  priority: 1\n${SUBJECT}  egress:\n    - name: ${'a'.repeat(101)}\n      action: Deny\n      to: [{namespaces: {}}]\n`),
      [e('name-too-long', 'spec.egress[0].name', 11, 7)],
    ],
    ['unknown fields elsewhere are errors (strict decoding)', cnp(`  tier: Admin\n  priority: 1\n${SUBJECT}  policyTypes: [Ingress]\n`), [e('field-unknown', 'spec.policyTypes', 10, 3)]],
    ['label selectors are checked', cnp('  tier: Admin\n  priority: 1\n  subject:\n    namespaces: {matchExpressions: [{key: a, operator: In}]}\n'), [e('selector-values-required', 'spec.subject.namespaces.matchExpressions[0].values', 9, 37)]],
    ['another version of the group', cnp(`  tier: Admin\n  priority: 1\n${SUBJECT}`).replace('v1alpha2', 'v1alpha1'), [e('apiversion-unsupported', 'apiVersion', 1, 1)]],
  ])('%s', (_name, text, expected) => {
    expect(found(text)).toEqual(expected);
  });
});

describe('AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1)', () => {
  test.each<Case>([
    [
      'a valid ANP with every port kind',
      anp('AdminNetworkPolicy', `  priority: 10\n${SUBJECT}  egress:\n    - action: Allow\n      to: [{pods: {namespaceSelector: {}, podSelector: {}}}]\n      ports: [{portNumber: {protocol: UDP, port: 53}}, {namedPort: dns}, {portRange: {start: 8000, end: 9000}}]\n`, 'anp'),
      [],
    ],
    ['ANP actions are Allow, Deny, Pass', anp('AdminNetworkPolicy', `  priority: 10\n${SUBJECT}  egress:\n    - action: Accept\n      to: [{namespaces: {}}]\n`, 'anp'), [e('enum-unsupported', 'spec.egress[0].action', 10, 7)]],
    ['ANP priority is required', anp('AdminNetworkPolicy', SUBJECT, 'anp'), [e('field-required', 'spec.priority', 5, 1)]],
    ['BANP must be named default', anp('BaselineAdminNetworkPolicy', SUBJECT, 'other'), [e('name-singleton', 'metadata.name', 4, 3)]],
    ['BANP has no Pass', anp('BaselineAdminNetworkPolicy', `${SUBJECT}  ingress:\n    - action: Pass\n      from: [{namespaces: {}}]\n`), [e('enum-unsupported', 'spec.ingress[0].action', 9, 7)]],
    ['a port entry has one field', anp('BaselineAdminNetworkPolicy', `${SUBJECT}  ingress:\n    - action: Deny\n      from: [{namespaces: {}}]\n      ports: [{namedPort: a, portNumber: {port: 1}}]\n`), [e('oneof-many', 'spec.ingress[0].ports[0]', 11, 15)]],
    ['portNumber protocols are upper case', anp('BaselineAdminNetworkPolicy', `${SUBJECT}  ingress:\n    - action: Deny\n      from: [{namespaces: {}}]\n      ports: [{portNumber: {protocol: tcp, port: 1}}]\n`), [e('protocol-unsupported', 'spec.ingress[0].ports[0].portNumber.protocol', 11, 29)]],
    ['at most 100 rules (v1alpha1)', anp('AdminNetworkPolicy', `  priority: 1\n${SUBJECT}  egress:\n${'    - {action: Deny, to: [{namespaces: {}}]}\n'.repeat(100)}`, 'anp'), []],
  ])('%s', (_name, text, expected) => {
    expect(found(text)).toEqual(expected);
  });
});
