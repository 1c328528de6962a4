import { stringify } from 'yaml';

/** `-o yaml`: the same document as `-o json`, as kubectl users read it. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
