// kubectl's habits (issue 11): unknown options with a suggestion, required options marked, examples at the end of
// every --help, -o yaml beside -o json, -o wide, -n/-A display filters, nft --node for a node that does not exist,
// findings with errors first.
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { run } from './test-support.js';

const SHOP = fileURLToPath(new URL('./__fixtures__/shop', import.meta.url));

/** Every command and subcommand, read from the help as a user finds them. */
async function commandPaths(prefix: string[] = []): Promise<string[][]> {
  const help = (await run([...prefix, '--help'])).out;
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  const names = section
    .split('\n')
    .map((l) => /^ {2}(\S+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && n !== 'help');
  const out: string[][] = [];
  for (const n of names) out.push([...prefix, n], ...(await commandPaths([...prefix, n])));
  return out;
}

describe('help', () => {
  it('every --help ends with examples', async () => {
    const paths = await commandPaths();
    expect(paths.length).toBeGreaterThan(12);
    for (const p of [[], ...paths]) {
      const r = await run([...p, '--help']);
      expect(r.code, p.join(' ')).toBe(0);
      // Add examples with `.addHelpText('after', examples([...]))` where the command is registered.
      expect(r.out, `kordon ${p.join(' ')} --help`).toMatch(/\nExamples:\n( {2}# .+\n {2}kordon .+\n|\n| {2}# .+\n {2}.+\n)+$/);
    }
  });

  it('marks required options', async () => {
    const r = await run(['check', '--help']);
    expect(r.out).toMatch(/--from <source> +ns\/pod, ns\/workload or an IP address \(required\)/);
    expect(r.out).toMatch(/--to <destination>[^]*?\(required\)/);
  });

  it('an unknown option is an error with a suggestion, before any missing required option', async () => {
    const r = await run(['check', SHOP, '--form', 'frontend/web', '--to', 'backend/db', '--port', '5432']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("error: unknown option '--form'\n(Did you mean --from?)\nSee 'kordon check --help' for usage.");
    expect(r.err).not.toContain('Usage:');
    const l = await run(['list', SHOP, '--bye', 'pod']);
    expect(l.err).toContain('(Did you mean --by?)');
    const missing = await run(['check', SHOP, '--to', 'backend/db']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("required option '--from <source>' not specified");
    const cmd = await run(['lsit', SHOP]);
    expect(cmd.code).toBe(2);
    expect(cmd.err).toContain('(Did you mean list?)');
  });
});

describe('-o yaml and -o wide', () => {
  const cases: string[][] = [
    ['explain', SHOP],
    ['matrix', SHOP, '--port', '5432'],
    ['lint', SHOP],
    ['validate', SHOP],
    ['list', SHOP],
    ['diff', SHOP, SHOP],
  ];
  for (const args of cases) {
    it(`${args[0]} -o yaml is the -o json document`, async () => {
      const j = await run([...args, '-o', 'json']);
      const y = await run([...args, '-o', 'yaml']);
      expect(y.code).toBe(j.code);
      expect(y.out).not.toMatch(/^\{/);
      expect(parse(y.out)).toEqual(JSON.parse(j.out));
    });
  }

  it('explain -o wide adds the selected pods and the source of each policy, labels and owner of each pod', async () => {
    const r = await run(['explain', SHOP, '-o', 'wide']);
    expect(r.out).toMatch(/NAMESPACE +NAME +POD-SELECTOR +POLICY-TYPES +PODS +INGRESS-RULES +EGRESS-RULES +SELECTED-PODS +SOURCE\n/);
    expect(r.out).toMatch(/backend +api-ingress .* api-1, api-2 +\S*policies\.yaml:43\n/);
    expect(r.out).toMatch(/POD +INGRESS +EGRESS +LABELS +OWNER\n/);
  });
});

describe('-n and -A', () => {
  it('explain -n shows one namespace; peers elsewhere still count', async () => {
    const r = await run(['explain', SHOP, '-n', 'backend', '-o', 'json']);
    const data = JSON.parse(r.out) as { policies: Array<{ id: string }>; pods: Array<{ pod: string; ingress: { allowed: Array<{ pods: string[] }> } }> };
    expect(data.policies.map((p) => p.id)).toEqual(['backend/api-ingress', 'backend/db-ingress']);
    expect(new Set(data.pods.map((p) => p.pod.split('/')[0]))).toEqual(new Set(['backend']));
    // The api pods admit frontend pods: another namespace's pods, named as peers.
    expect(data.pods.find((p) => p.pod === 'backend/api-1')!.ingress.allowed[0]!.pods).toContain('frontend/web');
    const all = JSON.parse((await run(['explain', SHOP, '-A', '-o', 'json'])).out) as { pods: unknown[] };
    expect(all.pods.length).toBeGreaterThan(data.pods.length);
  });

  it('matrix -n keeps the answers of the whole input for the pods it shows', async () => {
    const full = JSON.parse((await run(['matrix', SHOP, '--port', '8080', '-o', 'json'])).out) as { endpoints: string[]; allowed: Record<string, string[]> };
    const fe = JSON.parse((await run(['matrix', SHOP, '--port', '8080', '-o', 'json', '-n', 'frontend'])).out) as { endpoints: string[]; allowed: Record<string, string[]> };
    expect(fe.endpoints).toEqual(full.endpoints.filter((e) => e.startsWith('frontend/')));
    fe.endpoints.forEach((a, i) =>
      fe.endpoints.forEach((b, j) => expect(fe.allowed['8080/TCP']![i]![j]).toBe(full.allowed['8080/TCP']![full.endpoints.indexOf(a)]![full.endpoints.indexOf(b)])),
    );
    const count = await run(['matrix', SHOP, '--port', '8080', '--count', '-o', 'json', '-n', 'frontend']);
    expect(JSON.parse(count.out)).toMatchObject({ pods: fe.endpoints.length });
  });

  it('list -n keeps connections with an end in the namespace; lint -n its findings', async () => {
    const r = await run(['list', SHOP, '-n', 'kube-system']);
    const lines = r.out.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/kube-system\//);
    const lint = JSON.parse((await run(['lint', SHOP, '-n', 'frontend', '-o', 'json'])).out) as { findings: Array<{ object?: { kind: string; namespace?: string; name: string } }> };
    expect(lint.findings.length).toBeGreaterThan(0);
    for (const f of lint.findings) if (f.object) expect(f.object.kind === 'Namespace' ? f.object.name : f.object.namespace).toBe('frontend');
  });

  it('-n with -A is a usage error', async () => {
    expect((await run(['list', SHOP, '-n', 'x', '-A'])).code).toBe(2);
  });
});

describe('nft --node', () => {
  it('a node no pod runs on is an error (exit 2) that names the nodes there are', async () => {
    const r = await run(['nft', SHOP, '--node', 'no-such-node']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('--node no-such-node: no pod of the input runs on a node of that name');
  });
});

describe('findings order', () => {
  it('lint prints errors first, then warnings, then infos', async () => {
    const r = JSON.parse((await run(['lint', SHOP, '-o', 'json'])).out) as { findings: Array<{ severity: string }> };
    const rank = { error: 0, warning: 1, info: 2 } as Record<string, number>;
    const ranks = r.findings.map((f) => rank[f.severity]!);
    expect(new Set(ranks).size).toBeGreaterThan(1);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });
});
