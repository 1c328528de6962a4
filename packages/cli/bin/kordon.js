#!/usr/bin/env node
// The installed `kordon` command: npm links a workspace package's bin into node_modules/.bin (it does not link the
// root package's own), so this is what `npx kordon` and `kordon` on the PATH run. The CLI is one bundled module
// (scripts/bundle-cli.mjs): start-up matters for a command run on every check.
import { main } from '../dist/kordon.mjs';

process.exitCode = await main(process.argv.slice(2));
