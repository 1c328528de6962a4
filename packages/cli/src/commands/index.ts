import type { Command } from 'commander';

/** A command adds itself to the program. Each lives in its own file in this folder. */
export type Register = (program: Command) => void;

// One line per command; keep the list sorted.
export const commands: Register[] = [];
