import type { LintFn } from '../view/controller.js';
import { lintFindings } from '../view/lint.js';

export const lintFn: LintFn = lintFindings;
