#!/usr/bin/env node
// `node bin/kordon.js` from a clone, and the root package's bin for a global install: the same launcher as the
// installed command (packages/cli/bin/kordon.js).
import '../packages/cli/bin/kordon.js';
