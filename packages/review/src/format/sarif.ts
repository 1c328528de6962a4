import type { Severity } from '@kordon/engine';
import type { LintReport } from '../lint/lint.js';
import type { Finding } from '../types.js';

/** The subset of SARIF 2.1.0 kordon writes, typed so the shape is checked where it is built. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

interface SarifMessage {
  text: string;
  markdown?: string;
}

interface SarifPhysicalLocation {
  artifactLocation: { uri: string; uriBaseId?: string };
  region: { startLine: number; startColumn: number };
}

interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  defaultConfiguration: { level: SarifLevel };
  help: SarifMessage;
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: Array<{ physicalLocation: SarifPhysicalLocation; logicalLocations?: Array<{ name: string; fullyQualifiedName: string; kind: string }> }>;
  relatedLocations?: Array<{ id: number; physicalLocation: SarifPhysicalLocation; message: SarifMessage }>;
  partialFingerprints: Record<string, string>;
  properties?: Record<string, string>;
}

interface SarifRun {
  tool: { driver: { name: string; version: string; informationUri: string; rules: SarifRule[] } };
  columnKind: 'utf16CodeUnits';
  results: SarifResult[];
}

export type SarifLevel = 'error' | 'warning' | 'note';

const LEVEL: Readonly<Record<Severity, SarifLevel>> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifOptions {
  version?: string;
  informationUri?: string;
}

/** A relative path as a SARIF URI: forward slashes, percent-encoded, no leading `./`. */
export function toUri(file: string): string {
  return encodeURI(file.replace(/\\/g, '/').replace(/^\.\//, ''));
}

function physical(file: string, line: number, column: number): SarifPhysicalLocation {
  return { artifactLocation: { uri: toUri(file), uriBaseId: '%SRCROOT%' }, region: { startLine: Math.max(1, line), startColumn: Math.max(1, column) } };
}

/** A stable key per finding, so code scanning tracks one alert across commits even when lines move. */
function fingerprint(f: Finding): string {
  const obj = f.object ? `${f.object.kind}/${f.object.namespace ?? ''}/${f.object.name}` : (f.location?.file ?? '');
  return `${f.rule}|${obj}|${f.path}`;
}

/** Lint findings as a SARIF 2.1.0 log (GitHub code scanning, VS Code SARIF viewer). Findings without a location are left out. */
export function toSarif(report: LintReport, options: SarifOptions = {}): SarifLog {
  const rules: SarifRule[] = report.rules.map((r) => ({
    id: r.id,
    name: r.id.replace(/(^|-)([a-z])/g, (_, _d: string, c: string) => c.toUpperCase()),
    shortDescription: { text: r.title },
    fullDescription: { text: r.description },
    defaultConfiguration: { level: LEVEL[r.severity] },
    help: { text: `${r.description} See docs/lint.md#${r.id}.`, markdown: `${r.description}\n\nSee [docs/lint.md](docs/lint.md#${r.id}).` },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results: SarifResult[] = [];
  for (const f of report.findings) {
    if (!f.location) continue;
    let ruleIndex = index.get(f.rule);
    if (ruleIndex === undefined) {
      ruleIndex = rules.length;
      index.set(f.rule, ruleIndex);
      rules.push({ id: f.rule, name: f.rule, shortDescription: { text: f.rule }, fullDescription: { text: f.rule }, defaultConfiguration: { level: LEVEL[f.severity] }, help: { text: f.rule } });
    }
    const r: SarifResult = {
      ruleId: f.rule,
      ruleIndex,
      level: LEVEL[f.severity],
      message: { text: `${f.message}. ${f.explanation} Fix: ${f.fix}` },
      locations: [{ physicalLocation: physical(f.location.file, f.location.line, f.location.column) }],
      partialFingerprints: { 'kordonFinding/v1': fingerprint(f) },
    };
    if (f.object) r.locations[0]!.logicalLocations = [{ name: f.object.name, fullyQualifiedName: `${f.object.kind}/${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}${f.path ? `:${f.path}` : ''}`, kind: 'object' }];
    if (f.related?.length) r.relatedLocations = f.related.map((x, i) => ({ id: i + 1, physicalLocation: physical(x.location.file, x.location.line, x.location.column), message: { text: x.message } }));
    if (f.path) r.properties = { path: f.path };
    results.push(r);
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'kordon', version: options.version ?? '0.1.0', informationUri: options.informationUri ?? 'https://github.com/kordon/kordon', rules } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}
