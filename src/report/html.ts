// One static, self-contained HTML page: headings, text, tables, and links to the plots' SVG/PNG files.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../foundations/atomic.js';
import { cellText, columnAlign, isStrong, type Table } from './table.js';

export type Block =
  /** Paragraphs separated by blank lines; `code` and **bold** are the only markup. */
  | { kind: 'text'; text: string }
  | { kind: 'table'; table: Table }
  /**
   * A plot: the SVG is shown (PNG if no SVG), with links to both files. Paths are absolute or relative to the
   * current directory, like every other path (a plot helper's `path.join(dir, name)`); the page links them
   * relative to itself.
   */
  | { kind: 'image'; svg?: string; png?: string; caption?: string }
  /** Preformatted text, e.g. a config or a command line. */
  | { kind: 'code'; text: string }
  /** A line of links to files (paths as for images), e.g. a table's CSV and Markdown: "label: a · b". */
  | { kind: 'links'; label?: string; links: { text: string; file: string }[] };

export interface Section {
  heading: string;
  blocks: Block[];
}

export interface HtmlPage {
  title: string;
  /** Shown under the title, e.g. when and from which runs the report was made. */
  subtitle?: string;
  sections: Section[];
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Writes DIR/index.html and returns its path. Image paths become relative to DIR; a linked file that does not
 * exist is an error (the page would show a broken image).
 */
export function writeHtmlPage(dir: string, page: HtmlPage): string {
  const file = path.join(dir, 'index.html');
  for (const block of page.sections.flatMap((s) => s.blocks)) {
    const linkedFiles = block.kind === 'image' ? [block.svg, block.png] : block.kind === 'links' ? block.links.map((l) => l.file) : [];
    for (const linked of linkedFiles) {
      if (linked !== undefined && !fs.existsSync(linked)) {
        throw new Error(`html page ${file}: linked file ${path.resolve(linked)} does not exist`);
      }
    }
  }
  writeFileAtomic(file, renderHtmlPage(page, dir));
  return file;
}

export function renderHtmlPage(page: HtmlPage, dir = '.'): string {
  const sections = page.sections.map((s) => [
    `<section>`,
    `<h2>${escapeHtml(s.heading)}</h2>`,
    ...s.blocks.map((b) => renderBlock(b, dir)),
    `</section>`,
  ].join('\n'));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>
body { font-family: "DejaVu Sans", Verdana, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; }
th { background: #f3f3f3; }
caption { caption-side: top; text-align: left; padding-bottom: 0.4em; color: #444; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.95em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
.subtitle { color: #666; }
small.note { color: #666; white-space: nowrap; }
.table-note { color: #444; font-size: 0.95em; margin-top: -0.5em; }
</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
${page.subtitle === undefined ? '' : `<p class="subtitle">${escapeHtml(page.subtitle)}</p>\n`}${sections.join('\n')}
</body>
</html>
`;
}

function renderBlock(block: Block, dir: string): string {
  switch (block.kind) {
    case 'text':
      return block.text.split(/\n\s*\n/).filter((p) => p.trim() !== '').map((p) => `<p>${inlineMarkup(p.trim())}</p>`).join('\n');
    case 'code':
      return `<pre>${escapeHtml(block.text)}</pre>`;
    case 'table':
      return renderTable(block.table);
    case 'links': {
      const links = block.links.map((l) => `<a href="${href(l.file, dir)}">${escapeHtml(l.text)}</a>`).join(' · ');
      return `<p class="links">${block.label === undefined ? '' : `${escapeHtml(block.label)}: `}${links}</p>`;
    }
    case 'image': {
      const svg = block.svg === undefined ? undefined : href(block.svg, dir);
      const png = block.png === undefined ? undefined : href(block.png, dir);
      const shown = svg ?? png;
      if (shown === undefined) throw new TypeError('html image block needs an svg or a png path');
      const alt = escapeHtml(block.caption ?? path.basename(shown));
      const links = [svg && `<a href="${svg}">SVG</a>`, png && `<a href="${png}">PNG</a>`].filter(Boolean).join(' · ');
      const caption = block.caption === undefined ? '' : `${escapeHtml(block.caption)} `;
      return `<figure>\n<img src="${shown}" alt="${alt}">\n<figcaption>${caption}(${links})</figcaption>\n</figure>`;
    }
  }
}

function renderTable(table: Table): string {
  const cell = (tag: 'th' | 'td', c: Table['rows'][number][number], j: number): string => {
    const text = escapeHtml(cellText(c));
    const align = columnAlign(table, j);
    const note = typeof c !== 'string' && c.note !== undefined ? `<br><small class="note">${escapeHtml(c.note)}</small>` : '';
    return `<${tag} style="text-align:${align}">${isStrong(c) ? `<strong>${text}</strong>` : text}${note}</${tag}>`;
  };
  return [
    '<table>',
    ...(table.caption === undefined ? [] : [`<caption>${escapeHtml(table.caption)}</caption>`]),
    `<thead><tr>${table.columns.map((c, j) => cell('th', c, j)).join('')}</tr></thead>`,
    '<tbody>',
    ...table.rows.map((row) => `<tr>${row.map((c, j) => cell('td', c, j)).join('')}</tr>`),
    '</tbody>',
    '</table>',
    ...(table.notes ?? []).map((note) => `<p class="table-note">${inlineMarkup(note)}</p>`),
  ].join('\n');
}

/** Escapes first, then turns `code` and **bold** into tags, so no input can inject markup. */
function inlineMarkup(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

/**
 * `file` (absolute, or relative to the current directory) as a path relative to the page's directory `dir`,
 * URL-escaped per segment, with forward slashes on every platform.
 */
function href(file: string, dir: string): string {
  const relative = path.relative(path.resolve(dir), path.resolve(file));
  return escapeHtml(relative.split(path.sep).map(encodeURIComponent).join('/'));
}
