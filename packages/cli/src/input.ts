import { ByteBudget, DEFAULT_MAX_INPUT_BYTES, parseSize, readManifestFile, readSources, SourceError, type SourceText } from '@kordon/source';
import type { SourceFile } from '@kordon/engine';
import { readClusterFor } from './cluster.js';
import { UsageError, type CliContext } from './io.js';

/** How a run reads its inputs: global options, with environment fallbacks for CI. */
export interface InputSettings {
  maxInputBytes: number;
  allowSpecialFiles: boolean;
}

export function inputSettings(ctx: CliContext): InputSettings {
  const given = ctx.maxInputSize ?? ctx.io.env['KORDON_MAX_INPUT_SIZE'];
  let maxInputBytes = DEFAULT_MAX_INPUT_BYTES;
  if (given !== undefined && given !== '') {
    const n = parseSize(given);
    if (n === undefined) throw new UsageError(`bad --max-input-size ${JSON.stringify(given)}: give a size such as 500M or 2G`);
    maxInputBytes = n;
  }
  return { maxInputBytes, allowSpecialFiles: ctx.allowSpecialFiles === true };
}

/**
 * Reads PATHS through the one Source (files, directories, `-`, `REV:path`, `cluster:`). A path that cannot be read is
 * reported and remembered on the context, which turns the exit code into 2 once the answer for the rest is given
 * (`remember: false` for a re-read whose caller shows what it could not read).
 */
export async function readInputs(paths: readonly string[], ctx: CliContext, opts: { remember?: boolean } = {}): Promise<SourceText> {
  const s = inputSettings(ctx);
  let text: SourceText;
  try {
    text = await readSources(paths, {
      readStdin: (max) => ctx.io.readStdin(max),
      maxInputBytes: s.maxInputBytes,
      allowSpecialFiles: s.allowSpecialFiles,
      readCluster: () => readClusterFor(ctx),
    });
  } catch (err) {
    if (err instanceof SourceError) throw new UsageError(err.message, err.hint);
    throw err;
  }
  // A re-read (serve's page loads) reports to its caller only: the run's exit code is decided by its first read.
  if (text.unreadable.length > 0 && opts.remember !== false) (ctx.unreadable ??= []).push(...text.unreadable);
  return text;
}

/**
 * A kordon file of its own (an expectation file, a lint configuration), read by the same rules as manifests: the size
 * limit, FIFOs refused, bytes that are not UTF-8 located. Any of those is a usage error naming the file and the place.
 */
export function readKordonFile(path: string, what: string, ctx: CliContext): SourceFile {
  let read: ReturnType<typeof readManifestFile>;
  try {
    read = readManifestFile(path, new ByteBudget(inputSettings(ctx).maxInputBytes));
  } catch (err) {
    if (err instanceof SourceError) throw new UsageError(err.message, err.hint);
    throw err;
  }
  const { file, diagnostics } = read;
  if (file === undefined) {
    const d = diagnostics[0];
    throw new UsageError(`cannot read ${what} ${path}: ${d?.message ?? 'not a regular file'}`, d?.hint);
  }
  const bad = file.undecodable?.[0];
  if (bad !== undefined) {
    const before = file.text.slice(0, bad.offset);
    const line = before.split('\n').length;
    const column = bad.offset - before.lastIndexOf('\n');
    throw new UsageError(
      `${path}:${line}:${column}: ${what} is not UTF-8 text (byte 0x${bad.byte.toString(16).padStart(2, '0')})`,
      'save it as UTF-8',
    );
  }
  return file;
}
