#!/usr/bin/env node
// The CLI as one bundled module (scripts/bundle-cli.mjs): start-up matters for a command run on every check.
import { main } from '../packages/cli/dist/kordon.mjs';

process.exitCode = await main(process.argv.slice(2));
