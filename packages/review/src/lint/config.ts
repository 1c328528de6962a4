import type { Diagnostic, Severity, SourceFile } from '@kordon/engine';
import { isSeverity } from '../types.js';
import { readYamlDocument } from '../util/yamlfile.js';
import { RULES } from './registry.js';

/** `.kordon.yaml`: `lint: {disable: [id…], severity: {id: level}, failOn: level}`. */
export interface LintConfig {
  disable: string[];
  severity: Record<string, Severity>;
  failOn?: Severity;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseLintConfig(file: SourceFile): { config: LintConfig; diagnostics: Diagnostic[] } {
  const doc = readYamlDocument(file);
  const diagnostics = [...doc.diagnostics];
  const config: LintConfig = { disable: [], severity: {} };
  const bad = (path: (string | number)[], message: string, hint: string) =>
    diagnostics.push({ code: 'config-invalid', severity: 'error', message, hint, path: path.join('.'), ...doc.locate(path) });
  if (doc.value === undefined) return { config, diagnostics };
  if (!isObj(doc.value)) {
    bad([], 'the configuration is a mapping with a key `lint`', 'write `lint:` then `disable:`, `severity:` or `failOn:`');
    return { config, diagnostics };
  }
  const known = new Set(RULES.map((r) => r.id));
  for (const k of Object.keys(doc.value)) if (k !== 'lint') bad([k], `unknown key ${k}`, 'kordon reads only `lint` here');
  const lint = doc.value['lint'];
  if (lint === undefined || lint === null) return { config, diagnostics };
  if (!isObj(lint)) {
    bad(['lint'], '`lint` must be a mapping', 'write disable:, severity: or failOn: under it');
    return { config, diagnostics };
  }
  for (const k of Object.keys(lint)) if (!['disable', 'severity', 'failOn'].includes(k)) bad(['lint', k], `unknown key ${k}`, 'keys are disable, severity, failOn');
  const disable = lint['disable'];
  if (disable !== undefined) {
    if (!Array.isArray(disable)) bad(['lint', 'disable'], '`disable` must be a list of rule IDs', 'write disable: [rule-redundant]');
    else
      disable.forEach((id, i) => {
        if (typeof id !== 'string') bad(['lint', 'disable', i], 'a rule ID is a string', 'see `kordon lint --list-rules`');
        else {
          // Input diagnostic codes (yaml-syntax, …) may be disabled too; only warn about names that look like rules.
          if (!known.has(id) && !/^[a-z0-9-]+$/.test(id)) bad(['lint', 'disable', i], `${id} is not a rule ID`, 'see `kordon lint --list-rules`');
          config.disable.push(id);
        }
      });
  }
  const sev = lint['severity'];
  if (sev !== undefined) {
    if (!isObj(sev)) bad(['lint', 'severity'], '`severity` maps rule IDs to error, warning or info', 'write severity: {rule-redundant: warning}');
    else
      for (const [id, v] of Object.entries(sev)) {
        if (typeof v !== 'string' || !isSeverity(v)) bad(['lint', 'severity', id], `severity of ${id} must be error, warning or info`, 'write error, warning or info');
        else config.severity[id] = v;
      }
  }
  const failOn = lint['failOn'];
  if (failOn !== undefined) {
    if (typeof failOn !== 'string' || !isSeverity(failOn)) bad(['lint', 'failOn'], 'failOn must be error, warning or info', 'write failOn: warning');
    else config.failOn = failOn;
  }
  return { config, diagnostics };
}
