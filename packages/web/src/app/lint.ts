import type { LintFn } from '../view/controller.js';

/** Lint from @kordon/review, once that package exports it; until then the page lists validation problems only. */
export const lintFn: LintFn | undefined = undefined;
