import { describe, expect, test } from 'vitest';
import { found, policy, validateText, type Found } from './__fixtures__/run.js';

type Case = [name: string, body: string, expected: Found[]];

const e = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'error', path, line, column });
const w = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'warning', path, line, column });
const i = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'info', path, line, column });

function run(cases: Case[]): void {
  test.each(cases)('%s', (_name, body, expected) => {
    expect(found(policy(body))).toEqual(expected);
  });
}

describe('valid policies give no diagnostics', () => {
  run([
    ['empty podSelector', '  podSelector: {}\n', []],
    [
      'every kind of field, at its edges',
      `
  podSelector:
    matchLabels:
      app.kubernetes.io/name: db
      tier: ""
      long: ${'a'.repeat(63)}
    matchExpressions:
      - key: env
        operator: In
        values: [prod, staging]
      - key: example.com/canary
        operator: DoesNotExist
      - {key: team, operator: NotIn, values: [a]}
      - {key: zone, operator: Exists, values: []}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - podSelector: {matchLabels: {role: api}}
          namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}
        - ipBlock:
            cidr: 10.0.0.0/8
            except: [10.1.0.0/16, 10.2.3.4/32]
      ports:
        - port: 1
        - {protocol: TCP, port: 65535}
        - {protocol: UDP, port: 53}
        - {protocol: SCTP, port: 9000, endPort: 9000}
        - {port: 32000, endPort: 32768}
        - port: http
        - port: abcdefghijklmno
        - port: a-1-b
        - protocol: UDP
  egress:
    - to:
        - ipBlock:
            cidr: 2001:db8::/32
            except: ["2001:db8:1::/48", "2001:db8::1/128"]
        - ipBlock: {cidr: 0.0.0.0/0}
        - ipBlock: {cidr: ::/0, except: ["::/1"]}
`,
      [],
    ],
    ['allow all ingress, deny all egress', '  podSelector: {}\n  ingress: [{}]\n  egress: []\n  policyTypes: [Ingress, Egress]\n', []],
    ['an empty list item is an allow-all rule: warning', '  podSelector: {}\n  egress:\n    -\n    - to: []\n', [w('rule-null', 'spec.egress[0]', 9, 6)]],
    ['empty from and ports lists', '  podSelector: {}\n  ingress:\n    - from: []\n      ports: []\n', []],
    ['null fields are absent', '  podSelector:\n    matchLabels:\n  ingress:\n    - from:\n      ports:\n', []],
  ]);
});

describe('spec.podSelector', () => {
  run([
    ['absent podSelector defaults to {}: info at spec', '  policyTypes: [Ingress]\n', [i('podselector-absent', 'spec.podSelector', 6, 1)]],
    ['podSelector: null is present', '  podSelector:\n', []],
  ]);
  test('absent spec: info at the document', () => {
    const text = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: ns}\n';
    expect(found(text)).toEqual([i('podselector-absent', 'spec.podSelector', 1, 1)]);
  });
});

describe('label selectors', () => {
  run([
    [
      'matchLabels keys and values: reported at the map, located at the entry',
      `
  podSelector:
    matchLabels:
      -bad: x
      ok: -bad
      a/b/c: x
      /x: x
      ${'k'.repeat(64)}: x
      v: ${'v'.repeat(64)}
`,
      [
        e('label-key-invalid', 'spec.podSelector.matchLabels', 9, 7),
        e('label-value-invalid', 'spec.podSelector.matchLabels', 10, 7),
        e('label-key-invalid', 'spec.podSelector.matchLabels', 11, 7),
        e('label-key-invalid', 'spec.podSelector.matchLabels', 12, 7),
        e('label-key-invalid', 'spec.podSelector.matchLabels', 13, 7),
        e('label-value-invalid', 'spec.podSelector.matchLabels', 14, 7),
      ],
    ],
    [
      'a 63-character name with a 253-character prefix is a valid key',
      `  podSelector:\n    matchLabels:\n      ${'a.'.repeat(126)}a/${'n'.repeat(63)}: x\n`,
      [],
    ],
    [
      'a 254-character prefix is not',
      `  podSelector:\n    matchLabels:\n      ${'a.'.repeat(126)}ab/n: x\n`,
      [e('label-key-invalid', 'spec.podSelector.matchLabels', 9, 7)],
    ],
    [
      'an upper-case prefix is not a DNS subdomain',
      '  podSelector:\n    matchLabels:\n      Example.com/n: x\n',
      [e('label-key-invalid', 'spec.podSelector.matchLabels', 9, 7)],
    ],
    [
      'a label with no value means the empty string: warning',
      '  podSelector:\n    matchLabels:\n      app:\n',
      [w('label-value-empty', 'spec.podSelector.matchLabels', 9, 7)],
    ],
    [
      'matchExpressions: operator, values count, key, values',
      `
  podSelector:
    matchExpressions:
      - key: a
        operator: In
      - key: b
        operator: NotIn
        values: []
      - key: c
        operator: Exists
        values: [x]
      - key: d
        operator: DoesNotExist
        values: [x]
      - key: e
        operator: in
        values: [x]
      - operator: Exists
      - key: f
        operator: In
        values: [ok, "not ok", ""]
      - key: g
`,
      [
        e('selector-values-required', 'spec.podSelector.matchExpressions[0].values', 9, 9),
        e('selector-values-required', 'spec.podSelector.matchExpressions[1].values', 13, 9),
        e('selector-values-forbidden', 'spec.podSelector.matchExpressions[2].values', 16, 9),
        e('selector-values-forbidden', 'spec.podSelector.matchExpressions[3].values', 19, 9),
        e('selector-operator-invalid', 'spec.podSelector.matchExpressions[4].operator', 21, 9),
        e('label-key-invalid', 'spec.podSelector.matchExpressions[5].key', 23, 9),
        e('label-key-invalid', 'spec.podSelector.matchExpressions[5].key', 23, 9),
        e('label-value-invalid', 'spec.podSelector.matchExpressions[6].values[1]', 26, 22),
        e('selector-operator-invalid', 'spec.podSelector.matchExpressions[7].operator', 27, 9),
      ],
    ],
    [
      'peer selectors are checked the same way',
      `
  podSelector: {}
  egress:
    - to:
        - namespaceSelector:
            matchLabels: {team: "a b"}
          podSelector:
            matchExpressions: [{key: x, operator: Exists, values: [v]}]
`,
      [
        e('label-value-invalid', 'spec.egress[0].to[0].namespaceSelector.matchLabels', 11, 27),
        e('selector-values-forbidden', 'spec.egress[0].to[0].podSelector.matchExpressions[0].values', 13, 59),
      ],
    ],
  ]);
});

describe('policyTypes', () => {
  run([
    ['three entries: one error at the list, entries not checked', '  podSelector: {}\n  policyTypes: [Ingress, Egress, Bogus]\n', [e('policytypes-too-many', 'spec.policyTypes', 8, 3)]],
    [
      'unsupported values, case-sensitive',
      '  podSelector: {}\n  policyTypes:\n    - ingress\n    - Egresss\n',
      [e('policytype-unsupported', 'spec.policyTypes[0]', 9, 7), e('policytype-unsupported', 'spec.policyTypes[1]', 10, 7)],
    ],
    ['a repeated type is accepted upstream: warning', '  podSelector: {}\n  policyTypes: [Egress, Egress]\n', [w('policytype-duplicate', 'spec.policyTypes[1]', 8, 25)]],
    ['empty list is the default', '  podSelector: {}\n  policyTypes: []\n', []],
    ['a null item is the empty string', '  podSelector: {}\n  policyTypes: [Ingress, null]\n', [e('policytype-unsupported', 'spec.policyTypes[1]', 8, 26)]],
  ]);
});

describe('ports', () => {
  const ports = (...lines: string[]): string => `  podSelector: {}\n  ingress:\n    - ports:\n${lines.map((l) => `        - ${l}\n`).join('')}`;
  // The first port item is on line 10, its value at column 11.
  run([
    ['protocol must be TCP, UDP or SCTP', ports('{protocol: HTTP}', '{protocol: tcp}', '{protocol: ""}', '{protocol: ICMP, port: 1}'), [
      e('protocol-unsupported', 'spec.ingress[0].ports[0].protocol', 10, 12),
      e('protocol-unsupported', 'spec.ingress[0].ports[1].protocol', 11, 12),
      e('protocol-unsupported', 'spec.ingress[0].ports[2].protocol', 12, 12),
      e('protocol-unsupported', 'spec.ingress[0].ports[3].protocol', 13, 12),
    ]],
    ['numeric port 1..65535', ports('port: 0', 'port: 65536', 'port: -1'), [
      e('port-invalid', 'spec.ingress[0].ports[0].port', 10, 11),
      e('port-invalid', 'spec.ingress[0].ports[1].port', 11, 11),
      e('port-invalid', 'spec.ingress[0].ports[2].port', 12, 11),
    ]],
    ['named port: IANA service name', ports('port: "8080"', 'port: HTTP', 'port: -http', 'port: http-', 'port: web--x', 'port: abcdefghijklmnop', 'port: ""', 'port: web_x'), [
      e('port-name-invalid', 'spec.ingress[0].ports[0].port', 10, 11),
      e('port-name-invalid', 'spec.ingress[0].ports[1].port', 11, 11),
      e('port-name-invalid', 'spec.ingress[0].ports[1].port', 11, 11),
      e('port-name-invalid', 'spec.ingress[0].ports[2].port', 12, 11),
      e('port-name-invalid', 'spec.ingress[0].ports[3].port', 13, 11),
      e('port-name-invalid', 'spec.ingress[0].ports[4].port', 14, 11),
      e('port-name-invalid', 'spec.ingress[0].ports[5].port', 15, 11),
      e('port-name-invalid', 'spec.ingress[0].ports[6].port', 16, 11),
      e('port-name-invalid', 'spec.ingress[0].ports[6].port', 16, 11),
      e('port-name-invalid', 'spec.ingress[0].ports[7].port', 17, 11),
    ]],
    ['endPort rules', ports('{port: 90, endPort: 80}', '{port: 80, endPort: 65536}', '{port: http, endPort: 90}', '{endPort: 90}', '{port: 80, endPort: 80}'), [
      e('endport-invalid', 'spec.ingress[0].ports[0].endPort', 10, 22),
      e('endport-invalid', 'spec.ingress[0].ports[1].endPort', 11, 22),
      e('endport-invalid', 'spec.ingress[0].ports[2].endPort', 12, 24),
      e('endport-invalid', 'spec.ingress[0].ports[3].endPort', 13, 12),
    ]],
    ['endPort below port and out of range: both reported', ports('{port: 65535, endPort: 0}'), [
      e('endport-invalid', 'spec.ingress[0].ports[0].endPort', 10, 25),
      e('endport-invalid', 'spec.ingress[0].ports[0].endPort', 10, 25),
    ]],
  ]);
});

describe('peers and ipBlock', () => {
  const peers = (...items: string[]): string => `  podSelector: {}\n  egress:\n    - to:\n${items.map((l) => `        - ${l}\n`).join('')}`;
  // The first peer item is on line 10, its value at column 11.
  run([
    ['a peer needs a field', peers('{}', 'podSelector:'), [
      e('peer-empty', 'spec.egress[0].to[0]', 10, 11),
      e('peer-empty', 'spec.egress[0].to[1]', 11, 11),
    ]],
    ['ipBlock excludes the selectors', peers('{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}', '{namespaceSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}'), [
      e('peer-ipblock-exclusive', 'spec.egress[0].to[0]', 10, 11),
      e('peer-ipblock-exclusive', 'spec.egress[0].to[1]', 11, 11),
    ]],
    ['cidr is required', peers('ipBlock: {}', 'ipBlock: {cidr: ""}', 'ipBlock: {except: [10.0.0.0/8]}'), [
      e('cidr-required', 'spec.egress[0].to[0].ipBlock.cidr', 10, 11),
      e('cidr-required', 'spec.egress[0].to[1].ipBlock.cidr', 11, 21),
      e('cidr-required', 'spec.egress[0].to[2].ipBlock.cidr', 12, 11),
    ]],
    ['invalid CIDRs', peers(
      'ipBlock: {cidr: 10.0.0.0}',
      'ipBlock: {cidr: 10.0.0.256/8}',
      'ipBlock: {cidr: 10.0.0.0/33}',
      'ipBlock: {cidr: "2001:db8:::/32"}',
      'ipBlock: {cidr: "2001:db8::/129"}',
      'ipBlock: {cidr: "fe80::1%eth0/64"}',
      'ipBlock: {cidr: " 10.0.0.0/8"}',
      'ipBlock: {cidr: 10.0.0/8}',
      'ipBlock: {cidr: 10.0.0.0/-1}',
    ), [
      e('cidr-invalid', 'spec.egress[0].to[0].ipBlock.cidr', 10, 21),
      e('cidr-invalid', 'spec.egress[0].to[1].ipBlock.cidr', 11, 21),
      e('cidr-invalid', 'spec.egress[0].to[2].ipBlock.cidr', 12, 21),
      e('cidr-invalid', 'spec.egress[0].to[3].ipBlock.cidr', 13, 21),
      e('cidr-invalid', 'spec.egress[0].to[4].ipBlock.cidr', 14, 21),
      e('cidr-invalid', 'spec.egress[0].to[5].ipBlock.cidr', 15, 21),
      e('cidr-invalid', 'spec.egress[0].to[6].ipBlock.cidr', 16, 21),
      e('cidr-invalid', 'spec.egress[0].to[7].ipBlock.cidr', 17, 21),
      e('cidr-invalid', 'spec.egress[0].to[8].ipBlock.cidr', 18, 21),
    ]],
    ['except must be strictly inside cidr', `  podSelector: {}
  egress:
    - to:
        - ipBlock:
            cidr: 10.0.0.0/8
            except:
              - 10.0.0.0/8
              - 11.0.0.0/16
              - 0.0.0.0/0
              - 2001:db8::/64
              - 10.255.255.255/32
              - 10.0.0.0/7
              - nonsense
`, [
      e('cidr-except-outside', 'spec.egress[0].to[0].ipBlock.except[0]', 13, 17),
      e('cidr-except-outside', 'spec.egress[0].to[0].ipBlock.except[1]', 14, 17),
      e('cidr-except-outside', 'spec.egress[0].to[0].ipBlock.except[2]', 15, 17),
      e('cidr-except-outside', 'spec.egress[0].to[0].ipBlock.except[3]', 16, 17),
      e('cidr-except-outside', 'spec.egress[0].to[0].ipBlock.except[5]', 18, 17),
      e('cidr-invalid', 'spec.egress[0].to[0].ipBlock.except[6]', 19, 17),
    ]],
    ['IPv6 except must be strictly inside, in the same family', peers(
      'ipBlock: {cidr: "2001:db8::/32", except: ["2001:db8::/32", "2001:db9::/48", "10.0.0.0/8", "2001:db8:ffff::/48"]}',
    ), [
      e('cidr-except-outside', 'spec.egress[0].to[0].ipBlock.except[0]', 10, 53),
      e('cidr-except-outside', 'spec.egress[0].to[0].ipBlock.except[1]', 10, 70),
      e('cidr-except-outside', 'spec.egress[0].to[0].ipBlock.except[2]', 10, 87),
    ]],
    ['host bits set: warning, and the block is its network', peers('ipBlock: {cidr: 172.17.0.1/16, except: [172.17.0.1/24]}'), [
      w('cidr-host-bits', 'spec.egress[0].to[0].ipBlock.cidr', 10, 21),
      w('cidr-host-bits', 'spec.egress[0].to[0].ipBlock.except[0]', 10, 51),
    ]],
    ['leading zeros: warning', peers('ipBlock: {cidr: 010.0.0.0/8}', 'ipBlock: {cidr: 10.0.0.0/08}', 'ipBlock: {cidr: "::ffff:010.0.0.0/104"}'), [
      w('cidr-leading-zeros', 'spec.egress[0].to[0].ipBlock.cidr', 10, 21),
      w('cidr-leading-zeros', 'spec.egress[0].to[1].ipBlock.cidr', 11, 21),
      w('cidr-leading-zeros', 'spec.egress[0].to[2].ipBlock.cidr', 12, 21),
    ]],
    ['IPv6 forms: mapped IPv4 and non-canonical text warn', peers('ipBlock: {cidr: "::ffff:10.0.0.0/104"}', 'ipBlock: {cidr: "2001:DB8::/32"}', 'ipBlock: {cidr: "2001:db8:0:0::/64"}'), [
      w('cidr-ipv4-mapped', 'spec.egress[0].to[0].ipBlock.cidr', 10, 21),
      w('cidr-not-canonical', 'spec.egress[0].to[1].ipBlock.cidr', 11, 21),
      w('cidr-not-canonical', 'spec.egress[0].to[2].ipBlock.cidr', 12, 21),
    ]],
    ['a null except is the empty string', peers('ipBlock: {cidr: 10.0.0.0/8, except: [~]}'), [e('cidr-invalid', 'spec.egress[0].to[0].ipBlock.except[0]', 10, 48)]],
    ['IPv6 host bits', peers('ipBlock: {cidr: "2001:db8::1/64"}'), [w('cidr-host-bits', 'spec.egress[0].to[0].ipBlock.cidr', 10, 21)]],
  ]);
});

describe('metadata', () => {
  const meta = (lines: string): string => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n${lines}spec:\n  podSelector: {}\n`;
  test.each<[string, string, Found[]]>([
    ['valid', '  name: a.b-c\n  namespace: ns-1\n', []],
    ['253-character name', `  name: ${'a'.repeat(253)}\n  namespace: ns\n`, []],
    ['254-character name', `  name: ${'a'.repeat(254)}\n  namespace: ns\n`, [e('name-invalid', 'metadata.name', 4, 3)]],
    ['upper case and underscore', '  name: Allow_DNS\n  namespace: ns\n', [e('name-invalid', 'metadata.name', 4, 3)]],
    ['trailing dash', '  name: web-\n  namespace: ns\n', [e('name-invalid', 'metadata.name', 4, 3)]],
    ['absent name', '  namespace: ns\n', [e('name-required', 'metadata.name', 3, 1)]],
    ['generateName cannot stand in for a name', '  generateName: web-\n  namespace: ns\n', [e('name-required', 'metadata.name', 3, 1)]],
    ['bad generateName', '  generateName: Web-\n  name: web\n  namespace: ns\n', [e('name-invalid', 'metadata.generateName', 4, 3)]],
    ['namespace with a dot', '  name: p\n  namespace: my.ns\n', [e('namespace-invalid', 'metadata.namespace', 5, 3)]],
    ['64-character namespace', `  name: p\n  namespace: ${'n'.repeat(64)}\n`, [e('namespace-invalid', 'metadata.namespace', 5, 3)]],
    ['63-character namespace', `  name: p\n  namespace: ${'n'.repeat(63)}\n`, []],
    ['absent namespace: info', '  name: p\n', [i('namespace-absent', 'metadata.namespace', 3, 1)]],
    ['labels and annotation keys', '  name: p\n  namespace: ns\n  labels: {ok: "-x"}\n  annotations: {Example.com/Note: x, "bad key": z}\n', [
      e('label-value-invalid', 'metadata.labels', 6, 12),
      e('annotation-key-invalid', 'metadata.annotations', 7, 38),
    ]],
  ])('%s', (_name, lines, expected) => {
    expect(found(meta(lines))).toEqual(expected);
  });

  test('metadata absent altogether', () => {
    expect(found('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nspec:\n  podSelector: {}\n')).toEqual([
      e('name-required', 'metadata.name', 1, 1),
      i('namespace-absent', 'metadata.namespace', 1, 1),
    ]);
  });

  test('hints name the intended spelling', () => {
    const hints = validateText(policy('  podSelector: {}\n  policyTypes: [ingress, Egresss]\n')).map((d) => d.hint);
    expect(hints).toEqual([expect.stringContaining('`Ingress`'), expect.stringContaining('`Egress`')]);
  });

  test('the diagnostics name the object', () => {
    const [d] = validateText(policy('  podSelector: {}\n  policyTypes: [Bogus]\n'));
    expect(d?.object).toEqual({ kind: 'NetworkPolicy', namespace: 'ns', name: 'p' });
    expect(d?.file).toBe('test.yaml');
    expect(d?.value).toBe('Bogus');
    expect(d?.hint).toBeTruthy();
  });
});

describe('apiVersion', () => {
  test('extensions/v1beta1 was removed; the spec is still checked', () => {
    const text = 'apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: ns}\nspec:\n  podSelector: {}\n  policyTypes: [Bogus]\n';
    expect(found(text)).toEqual([e('apiversion-unsupported', 'apiVersion', 1, 1), e('policytype-unsupported', 'spec.policyTypes[0]', 6, 17)]);
  });
  test("another group's NetworkPolicy is not Kubernetes'", () => {
    expect(found('apiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\nmetadata: {name: P}\nspec: {selector: all(), order: 10}\n')).toEqual([]);
  });
});
