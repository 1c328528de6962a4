import { describe, expect, test } from 'vitest';
import { found, policy, validateText, type Found } from './__fixtures__/run.js';

const e = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'error', path, line, column });
const w = (code: string, path: string, line: number, column: number): Found => ({ code, severity: 'warning', path, line, column });

function hintOf(text: string, code: string, path: string): string {
  const d = validateText(text).find((x) => x.code === code && x.path === path);
  if (!d) throw new Error(`no ${code} at ${path}`);
  return d.hint ?? '';
}

describe('unknown fields are errors at their line, with a hint saying where they belong', () => {
  test.each<[string, string, Found[], RegExp]>([
    [
      '`ports` indented under a peer',
      `  podSelector: {}
  ingress:
    - from:
        - podSelector: {}
          ports:
            - port: 443
`,
      [e('field-unknown', 'spec.ingress[0].from[0].ports', 11, 11)],
      /rule level.*from\[0\]/,
    ],
    [
      'a `name:` that lost its indentation under matchLabels',
      `  podSelector: {}
  ingress:
    - from:
        - podSelector:
            matchLabels:
            name: frontend
`,
      [e('field-unknown', 'spec.ingress[0].from[0].podSelector.name', 12, 13)],
      /name: frontend.*matchLabels/,
    ],
    [
      'namespaceSelector nested inside podSelector',
      `  podSelector: {}
  ingress:
    - from:
        - podSelector:
            matchLabels: {app: api}
            namespaceSelector:
              matchLabels: {team: a}
`,
      [e('field-unknown', 'spec.ingress[0].from[0].podSelector.namespaceSelector', 12, 13)],
      /belongs to the peer.*move it left/,
    ],
    [
      'matchLabels written as a list',
      '  podSelector:\n    matchLabels:\n      - app: web\n',
      [e('field-type', 'spec.podSelector.matchLabels', 8, 5)],
      /not a list: remove the "- "/,
    ],
    ['a peer written directly in the rule', '  podSelector: {}\n  egress:\n    - namespaceSelector: {}\n', [e('field-unknown', 'spec.egress[0].namespaceSelector', 9, 7)], /under `to:`/],
    ['a port field written in the rule', '  podSelector: {}\n  ingress:\n    - port: 80\n', [e('field-unknown', 'spec.ingress[0].port', 9, 7)], /ports:/],
    ['`from` in an egress rule', '  podSelector: {}\n  egress:\n    - from: []\n', [e('field-unknown', 'spec.egress[0].from', 9, 7)], /`to`/],
    ['case matters', '  podSelector: {}\n  Ingress: []\n', [e('field-unknown', 'spec.Ingress', 8, 3)], /`ingress`.*case-sensitive/],
    ['a typo', '  podSelector:\n    matchLabel: {a: b}\n', [e('field-unknown', 'spec.podSelector.matchLabel', 8, 5)], /`matchLabels`/],
    ['cidr next to ipBlock', '  podSelector: {}\n  egress:\n    - to:\n        - cidr: 10.0.0.0/8\n', [
      e('field-unknown', 'spec.egress[0].to[0].cidr', 10, 11),
      e('peer-empty', 'spec.egress[0].to[0]', 10, 11),
    ], /ipBlock/],
    ['matchLabels straight under spec', '  podSelector: {}\n  matchLabels: {a: b}\n', [e('field-unknown', 'spec.matchLabels', 8, 3)], /podSelector/],
    ['a port with a name', '  podSelector: {}\n  ingress:\n    - ports:\n        - {name: http, port: 80}\n', [e('field-unknown', 'spec.ingress[0].ports[0].name', 10, 12)], /port: <name>/],
    ['`value` for `values`', '  podSelector:\n    matchExpressions:\n      - {key: a, operator: In, value: [x]}\n', [
      e('selector-values-required', 'spec.podSelector.matchExpressions[0].values', 9, 9),
      e('field-unknown', 'spec.podSelector.matchExpressions[0].value', 9, 32),
    ], /`values`/],
  ])('%s', (_name, body, expected, hint) => {
    const text = policy(body);
    expect(found(text)).toEqual(expected);
    const first = expected.find((x) => x.code === 'field-unknown') ?? expected[0]!;
    expect(hintOf(text, first.code, first.path)).toMatch(hint);
  });

  test('spec fields at the top level, metadata fields under spec', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
  namespace: ns
  podSelector: {}
spec:
  labels: {a: b}
policyTypes: [Ingress]
status: {conditions: []}
`;
    expect(found(text)).toEqual([
      e('field-unknown', 'metadata.podSelector', 6, 3),
      { code: 'podselector-absent', severity: 'info', path: 'spec.podSelector', line: 7, column: 1 },
      e('field-unknown', 'spec.labels', 8, 3),
      e('field-unknown', 'policyTypes', 9, 1),
      e('field-unknown', 'status', 10, 1),
    ]);
    expect(hintOf(text, 'field-unknown', 'metadata.podSelector')).toMatch(/spec/);
    expect(hintOf(text, 'field-unknown', 'spec.labels')).toMatch(/metadata/);
    expect(hintOf(text, 'field-unknown', 'policyTypes')).toMatch(/under `spec:`/);
    expect(hintOf(text, 'field-unknown', 'status')).toMatch(/no status/);
  });
});

test('a metadata label that lost its indentation under `labels:`', () => {
  const text = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: ns\n  labels:\n  team: a\nspec: {podSelector: {}}\n';
  expect(found(text)).toEqual([e('field-unknown', 'metadata.team', 7, 3)]);
  expect(hintOf(text, 'field-unknown', 'metadata.team')).toMatch(/under `labels:`/);
});

test('an empty status, as older clusters export it, is only a warning', () => {
  expect(found(policy('  podSelector: {}\nstatus: {}\n'))).toEqual([w('field-obsolete', 'status', 8, 1)]);
  expect(found(policy('  podSelector: {}\nstatus:\n'))).toEqual([w('field-obsolete', 'status', 8, 1)]);
});

describe('duplicate keys', () => {
  test('each repetition is an error at the repeated key', () => {
    const text = policy(`  podSelector:
    matchLabels:
      app: a
      app: b
  policyTypes: [Ingress]
  policyTypes: [Egress]
`);
    expect(found(text)).toEqual([e('field-duplicate', 'spec.podSelector.matchLabels.app', 10, 7), e('field-duplicate', 'spec.policyTypes', 12, 3)]);
  });
});

describe('wrong types', () => {
  test.each<[string, string, Found[]]>([
    ['a map where a list belongs', '  podSelector: {}\n  ingress:\n    from: []\n', [e('field-type', 'spec.ingress', 8, 3)]],
    ['a list where a map belongs', '  podSelector:\n    - app: web\n', [e('field-type', 'spec.podSelector', 7, 3)]],
    ['a string where a selector belongs', '  podSelector: app=web\n', [e('field-type', 'spec.podSelector', 7, 3)]],
    ['a boolean port', '  podSelector: {}\n  ingress:\n    - ports: [{port: true}]\n', [e('field-type', 'spec.ingress[0].ports[0].port', 9, 16)]],
    ['a fractional port', '  podSelector: {}\n  ingress:\n    - ports: [{port: 80.5}]\n', [e('field-type', 'spec.ingress[0].ports[0].port', 9, 16)]],
    ['a port beyond int32', '  podSelector: {}\n  ingress:\n    - ports: [{port: 4294967296}]\n', [e('field-type', 'spec.ingress[0].ports[0].port', 9, 16)]],
    ['a quoted endPort', '  podSelector: {}\n  ingress:\n    - ports: [{port: 80, endPort: "90"}]\n', [e('field-type', 'spec.ingress[0].ports[0].endPort', 9, 26)]],
    ['a numeric label value', '  podSelector:\n    matchLabels: {version: 1}\n', [e('field-type', 'spec.podSelector.matchLabels.version', 8, 19)]],
    ['a numeric cidr', '  podSelector: {}\n  egress:\n    - to: [{ipBlock: {cidr: 10}}]\n', [e('field-type', 'spec.egress[0].to[0].ipBlock.cidr', 9, 23)]],
    ['a scalar peer', '  podSelector: {}\n  egress:\n    - to: [10.0.0.0/8]\n', [e('field-type', 'spec.egress[0].to[0]', 9, 12)]],
    ['a string for the list of values', '  podSelector:\n    matchExpressions: [{key: a, operator: In, values: x}]\n', [e('field-type', 'spec.podSelector.matchExpressions[0].values', 8, 47)]],
  ])('%s', (_name, body, expected) => {
    expect(found(policy(body))).toEqual(expected);
  });

  test('a numeric name is a type error, not a missing name', () => {
    const text = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: 123, namespace: ns}\nspec: {podSelector: {}}\n';
    expect(found(text)).toEqual([e('field-type', 'metadata.name', 3, 12)]);
  });
});

describe('YAML 1.1 scalars, as kubectl reads them', () => {
  test.each<[string, string, Found[]]>([
    ['`on` in a label value is a boolean: error', '  podSelector:\n    matchLabels: {feature: on}\n', [e('yaml11-bool', 'spec.podSelector.matchLabels.feature', 8, 19)]],
    ['yes, no, off, y, n, Yes, NO too', '  podSelector:\n    matchExpressions: [{key: k, operator: In, values: [yes, no, off, y, n, Yes, NO, maybe]}]\n', [
      e('yaml11-bool', 'spec.podSelector.matchExpressions[0].values[0]', 8, 56),
      e('yaml11-bool', 'spec.podSelector.matchExpressions[0].values[1]', 8, 61),
      e('yaml11-bool', 'spec.podSelector.matchExpressions[0].values[2]', 8, 65),
      e('yaml11-bool', 'spec.podSelector.matchExpressions[0].values[3]', 8, 70),
      e('yaml11-bool', 'spec.podSelector.matchExpressions[0].values[4]', 8, 73),
      e('yaml11-bool', 'spec.podSelector.matchExpressions[0].values[5]', 8, 76),
      e('yaml11-bool', 'spec.podSelector.matchExpressions[0].values[6]', 8, 81),
    ]],
    ['quoted, they are strings', '  podSelector:\n    matchLabels: {a: "on", b: \'yes\', c: "0777"}\n', []],
    ['an octal port: warning, and it is read as 511', '  podSelector: {}\n  ingress:\n    - ports: [{port: 0777, endPort: 0600}]\n', [
      w('yaml11-number', 'spec.ingress[0].ports[0].port', 9, 16),
      w('yaml11-number', 'spec.ingress[0].ports[0].endPort', 9, 28),
      e('endport-invalid', 'spec.ingress[0].ports[0].endPort', 9, 28),
    ]],
    ['digits with underscores are a number for kubectl, not a port name', '  podSelector: {}\n  ingress:\n    - ports: [{port: 8_080}]\n', [
      w('yaml11-number', 'spec.ingress[0].ports[0].port', 9, 16),
    ]],
    ['0 and 08080 read the same under both rules', '  podSelector: {}\n  ingress:\n    - ports: [{port: 08080}]\n', []],
    ['an octal label value is a number (493 for kubectl): error', '  podSelector:\n    matchLabels: {mode: 0755}\n', [e('yaml11-number', 'spec.podSelector.matchLabels.mode', 8, 19)]],
    ['a boolean protocol', '  podSelector: {}\n  ingress:\n    - ports: [{protocol: on}]\n', [e('yaml11-bool', 'spec.ingress[0].ports[0].protocol', 9, 16)]],
  ])('%s', (_name, body, expected) => {
    expect(found(policy(body))).toEqual(expected);
  });

  test('the message says what kubectl read', () => {
    const [d] = validateText(policy('  podSelector:\n    matchLabels: {feature: on}\n'));
    expect(d?.message).toMatch(/boolean true/);
    expect(d?.hint).toMatch(/"on"/);
    const [oct] = validateText(policy('  podSelector: {}\n  ingress:\n    - ports: [{port: 0777}]\n'));
    expect(oct?.message).toMatch(/octal.*511/);
  });
});

describe('anchors and merge keys, which kubectl expands', () => {
  test('a merged selector is not an unknown `<<` field', () => {
    const text = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: ns}
spec:
  podSelector: &web
    matchLabels: {app: web}
  ingress:
    - from:
        - podSelector:
            <<: *web
            matchExpressions: [{key: tier, operator: Exists}]
        - podSelector: *web
`;
    expect(found(text)).toEqual([]);
  });
});

describe('JSON manifests', () => {
  test('strings are quoted, so no YAML 1.1 reading applies; problems are located', () => {
    const text = `{
  "apiVersion": "networking.k8s.io/v1",
  "kind": "NetworkPolicy",
  "metadata": {"name": "p", "namespace": "ns", "labels": {"debug": "on"}},
  "spec": {
    "podSelector": {},
    "ingress": [{"ports": [{"port": 0, "protocol": "TCP"}], "form": []}]
  }
}`;
    expect(found(text)).toEqual([e('port-invalid', 'spec.ingress[0].ports[0].port', 7, 29), e('field-unknown', 'spec.ingress[0].form', 7, 61)]);
  });
});
