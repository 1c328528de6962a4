/** RFC 4180: quote a field when it holds a comma, quote, or line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}
