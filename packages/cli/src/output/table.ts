/** A cell: plain text, optionally styled (colour) after it is padded, so that widths stay right. */
export type Cell = string | { text: string; style?: (s: string) => string };

export interface TableOptions {
  /** Per column: 'left' (default) or 'right'. */
  align?: readonly ('left' | 'right')[];
  /** Style for the header row. */
  headerStyle?: (s: string) => string;
  /** Text between columns; default two spaces. */
  gap?: string;
  /** Left margin. */
  indent?: string;
}

const textOf = (c: Cell): string => (typeof c === 'string' ? c : c.text);

/** Display width: code points, which is right for the symbols kordon prints (no wide CJK in our own output). */
export function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function pad(s: string, w: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return align === 'right' ? fill + s : s + fill;
}

/** A plain aligned table, kubectl style: a header row, then the rows; no borders. Lines end without trailing blanks. */
export function renderTable(header: readonly string[] | null, rows: readonly (readonly Cell[])[], options: TableOptions = {}): string {
  const all = header ? [header, ...rows] : rows;
  const n = Math.max(0, ...all.map((r) => r.length));
  const widths = new Array<number>(n).fill(0);
  for (const r of all) r.forEach((c, i) => (widths[i] = Math.max(widths[i]!, width(textOf(c)))));
  const gap = options.gap ?? '  ';
  const indent = options.indent ?? '';
  const line = (r: readonly Cell[], isHeader: boolean): string => {
    const parts = r.map((c, i) => {
      const last = i === r.length - 1;
      const align = options.align?.[i] ?? 'left';
      const text = last && align === 'left' ? textOf(c) : pad(textOf(c), widths[i]!, align);
      const style = typeof c === 'string' ? (isHeader ? options.headerStyle : undefined) : c.style;
      return style ? style(text) : text;
    });
    return (indent + parts.join(gap)).replace(/\s+$/, '');
  };
  const out: string[] = [];
  if (header) out.push(line(header, true));
  for (const r of rows) out.push(line(r, false));
  return out.length ? `${out.join('\n')}\n` : '';
}
