/**
 * Markdown helpers for the documents generated from code (the configuration and policy references,
 * the benchmark peer configurations, the metrics reference), so every generator pads tables and
 * keeps its generated block the same way.
 */

/** A table cell: pipes escaped, line breaks flattened. */
export const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A Markdown table padded the way Biome's Markdown formatter pads it, so lint accepts the file. */
export function markdownTable(header: string[], body: string[][]): string {
  const width = (text: string) => [...text].length;
  const widths = header.map((_, i) => Math.max(3, ...[header, ...body].map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - width(c))).join(' | ')} |`;
  return `${[line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')}\n`;
}

/** The HTML comments that open and close the generated block `name` in a Markdown file. */
export function blockMarkers(name: string): { start: string; end: string } {
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/** The text of block `name` (between its markers, without the newline after the start marker). */
export function readBlock(text: string, name: string): string | undefined {
  const { start, end } = blockMarkers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return undefined;
  return text.slice(from + start.length + 1, to);
}

/**
 * Replaces the text between the markers of block `name` with `content` (which should end with a
 * newline); throws when the markers are missing, naming them and `file`.
 */
export function replaceBlock(text: string, name: string, content: string, file = 'the document'): string {
  const { start, end } = blockMarkers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no ${start} … ${end} block`);
  return `${text.slice(0, from + start.length)}\n${content}${text.slice(to)}`;
}
