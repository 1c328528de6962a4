// The generator's YAML streams, over presets and seeds, read by the loader's quick reader: the same objects,
// positions and scalar sources as the full reader, and every document read by the quick one.
import { describe, expect, it } from 'vitest';
import { answers } from '../../engine/src/load/__fixtures__/answers.js';
import { loadYaml, loadYamlLite } from '../../engine/src/load/load.js';
import { generate, toYamlStream, type GenerateOptions } from './generate.js';

const INPUTS: GenerateOptions[] = [
  { preset: 'realistic', pods: 200, policies: 40, namespaces: 4, workloads: true, clusterPolicies: 8 },
  { preset: 'realistic-diverse', pods: 200, policies: 40, namespaces: 4, workloads: true },
  { preset: 'kano', pods: 100, policies: 50 },
  { preset: 'antrea-one-ns', pods: 100 },
  { preset: 'cyclonus', policies: 12 },
];

describe('generated YAML through the quick reader', () => {
  it.each(INPUTS.map((o) => [o.preset, o] as const))('%s: answers as the full reader, over three seeds', (_name, options) => {
    for (const seed of [1, 2, 3]) {
      const { objects } = generate({ ...options, seed });
      const text = toYamlStream(objects);
      const lite = loadYamlLite('gen.yaml', text);
      expect(lite, `seed ${seed}`).toBeDefined();
      expect(lite!.objects).toHaveLength(objects.length);
      expect(answers(lite!)).toEqual(answers(loadYaml('gen.yaml', text)));
    }
  });
});
