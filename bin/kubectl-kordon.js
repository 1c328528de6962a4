#!/usr/bin/env node
// `node bin/kubectl-kordon.js` from a clone: the same launcher as the installed plugin (packages/cli/bin/kubectl-kordon.js).
import '../packages/cli/bin/kubectl-kordon.js';
