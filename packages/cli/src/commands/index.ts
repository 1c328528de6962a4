import type { Command } from 'commander';
import type { CliContext } from '../io.js';
import { registerAgent } from './agent.js';
import { registerCheck } from './check.js';
import { registerDiff } from './diff.js';
import { registerExplain } from './explain.js';
import { registerExposure } from './exposure.js';
import { registerGenerate } from './generate.js';
import { registerLab } from './lab.js';
import { registerLint } from './lint.js';
import { registerList } from './list.js';
import { registerMatrix } from './matrix.js';
import { registerNft } from './nft.js';
import { registerServe } from './serve.js';
import { registerSnapshot } from './snapshot.js';
import { registerTest } from './test.js';
import { registerValidate } from './validate.js';

/**
 * A command adds itself to the program. Each lives in its own file in this folder and imports its implementation
 * lazily inside its action, so that `kordon check` never loads the dataplane or the web server.
 * `ctx` carries the io and receives the exit code.
 */
export type Register = (program: Command, ctx: CliContext) => void;

// One line per command; keep the list sorted.
export const commands: Register[] = [
  registerAgent,
  registerCheck,
  registerDiff,
  registerExplain,
  registerExposure,
  registerGenerate,
  registerLab,
  registerLint,
  registerList,
  registerMatrix,
  registerNft,
  registerServe,
  registerSnapshot,
  registerTest,
  registerValidate,
];
