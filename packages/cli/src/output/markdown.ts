/** A GitHub-flavoured Markdown table cell: pipes escaped, line breaks flattened. */
export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function mdTable(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('left' | 'right' | 'center')[]): string {
  const sep = header.map((_, i) => {
    const a = align?.[i];
    return a === 'right' ? '---:' : a === 'center' ? ':---:' : '---';
  });
  const line = (r: readonly string[]) => `| ${r.map(mdCell).join(' | ')} |\n`;
  return line(header) + `| ${sep.join(' | ')} |\n` + rows.map(line).join('');
}
