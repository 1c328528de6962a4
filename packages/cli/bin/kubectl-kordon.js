#!/usr/bin/env node
// `kubectl kordon …`: kubectl runs this executable (found on PATH by its name, linked by npm beside `kordon`) with the
// arguments after `kordon`. kubectl hands plugins neither its flags nor its config, so kordon reads --kubeconfig,
// --context and KUBECONFIG itself, with kubectl's names; with no PATHS every command reads the current context.
import { main } from '../dist/kordon.mjs';

process.exitCode = await main(process.argv.slice(2), undefined, { program: 'kubectl kordon' });
