/** An nftables ruleset as kordon builds it: one `inet` table, named sets and maps, and chains of rule text. */

export interface NftSet {
  name: string;
  kind: 'set' | 'map';
  /** `ipv4_addr . inet_proto . inet_service`, `ipv4_addr : verdict` … */
  type: string;
  flags: readonly string[];
  /** Further set statements: `timeout 10m`, `size 65535`, `counter`. */
  options: readonly string[];
  /** Rendered elements, sorted; for maps `key : verdict`. */
  elements: readonly string[];
  /** The kernel fills it (denied connections); never diffed. */
  dynamic: boolean;
  /** Why the set exists, written as `#` lines above it. */
  notes: readonly string[];
}

export interface NftRule {
  text: string;
  /** `#` lines written above the rule: which policy rule contributes what. */
  notes: readonly string[];
}

export interface NftChain {
  name: string;
  /** `type filter hook forward priority filter; policy accept;` for a base chain. */
  hook?: string;
  comment: string;
  notes: readonly string[];
  rules: readonly NftRule[];
}

export interface RulesetStats {
  localPods: number;
  policies: number;
  ingressClasses: number;
  egressClasses: number;
  rules: number;
  elements: number;
  /** Cluster policies compiled, and the chains of their tiers (absent without cluster policies). */
  clusterPolicies?: number;
  tierClasses?: number;
}

export interface Ruleset {
  table: string;
  comment: string;
  sets: readonly NftSet[];
  chains: readonly NftChain[];
  stats: RulesetStats;
  /** What the ruleset cannot enforce as written (a `domainNames` peer matches nothing), for people. */
  warnings?: readonly string[];
}

export interface RenderOptions {
  /** Write the `#` notes (for people); the agent leaves them out. Default true. */
  notes?: boolean;
}

/**
 * Why `name` cannot be kordon's table, or undefined when it can. Names go into nft scripts as they are, so only a
 * plain identifier passes: anything else could end the command and start another (`k; flush table inet other`).
 */
export function tableNameProblem(name: string): string | undefined {
  return /^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name) ? undefined : `bad --table ${JSON.stringify(name)}: a letter, then letters, digits, - and _ (at most 64)`;
}

/** nft's comment strings hold at most 128 bytes and no double quotes. */
export function nftComment(text: string): string {
  let t = text.replace(/["\\\n]/g, "'");
  // Cut by characters first (a long list of policies would otherwise shrink four characters at a time).
  if (t.length > 127) t = `${t.slice(0, 124)}…`;
  while (Buffer.byteLength(t, 'utf8') > 127) t = `${t.slice(0, -2)}…`;
  return `"${t}"`;
}

function noteLines(notes: readonly string[], indent: string, on: boolean): string[] {
  return on ? notes.map((n) => `${indent}# ${n.replace(/\n/g, ' ')}`) : [];
}

export function renderSetBody(s: NftSet, indent: string, withElements: boolean): string[] {
  const lines = [`${indent}type ${s.type}`];
  if (s.flags.length) lines.push(`${indent}flags ${s.flags.join(',')}`);
  for (const o of s.options) lines.push(`${indent}${o}`);
  if (withElements && s.elements.length) lines.push(`${indent}elements = { ${s.elements.join(`,\n${indent}             `)} }`);
  return lines;
}

function renderSet(s: NftSet, notes: boolean): string[] {
  return [...noteLines(s.notes, '  ', notes), `  ${s.kind} ${s.name} {`, ...renderSetBody(s, '    ', true), '  }'];
}

function renderChain(c: NftChain, notes: boolean): string[] {
  const lines = [...noteLines(c.notes, '  ', notes), `  chain ${c.name} {`];
  if (c.hook) lines.push(`    ${c.hook}`);
  lines.push(`    comment ${nftComment(c.comment)}`);
  for (const r of c.rules) lines.push(...noteLines(r.notes, '    ', notes), `    ${r.text}`);
  lines.push('  }');
  return lines;
}

/**
 * The whole ruleset as one `nft -f` script that replaces kordon's table atomically: the kernel runs the file as
 * one transaction, so packets see the old table or the new one, never none.
 */
export function renderRuleset(rs: Ruleset, opts: RenderOptions = {}): string {
  const notes = opts.notes ?? true;
  const out = [
    `# kordon: ${rs.comment}`,
    `# ${rs.stats.localPods} local pods, ${rs.stats.policies} policies, ${rs.stats.ingressClasses} ingress and ${rs.stats.egressClasses} egress classes, ${rs.stats.rules} rules, ${rs.stats.elements} set elements`,
    ...(rs.stats.clusterPolicies ? [`# ${rs.stats.clusterPolicies} cluster policies in ${rs.stats.tierClasses ?? 0} tier chains`] : []),
    ...(opts.notes ?? true ? (rs.warnings ?? []).map((w) => `# warning: ${w}`) : []),
    `add table inet ${rs.table}`,
    `delete table inet ${rs.table}`,
    `table inet ${rs.table} {`,
    `  comment ${nftComment(rs.comment)}`,
  ];
  for (const s of rs.sets) out.push(...renderSet(s, notes));
  for (const c of rs.chains) out.push(...renderChain(c, notes));
  out.push('}', '');
  return out.join('\n');
}

/** Removes kordon's table (the agent's `--uninstall`). */
export function renderDeleteTable(table: string): string {
  return `add table inet ${table}\ndelete table inet ${table}\n`;
}
