import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { escapeHtml, renderHtmlPage, writeHtmlPage } from '../../src/report/html.js';
import { temporaryDir } from './helpers.js';

test('escapeHtml escapes the five special characters', () => {
  assert.equal(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;');
});

test('writeHtmlPage: index.html with escaped title, sections, tables and relative links to plots', () => {
  const dir = temporaryDir('html');
  fs.mkdirSync(path.join(dir, 'plots'));
  for (const name of ['acc vs density.svg', 'acc vs density.png']) fs.writeFileSync(path.join(dir, 'plots', name), '');
  fs.writeFileSync(path.join(dir, 'other.png'), '');
  const file = writeHtmlPage(dir, {
    title: 'Report <script>alert(1)</script>',
    subtitle: 'runs: 12 & counting',
    sections: [{
      heading: 'Table 1 <b>',
      blocks: [
        { kind: 'text', text: 'First **bold** and `code` <img src=x onerror=alert(1)>.\n\nSecond paragraph.' },
        { kind: 'table', table: { columns: ['Method', '10%'], rows: [['<SynFlow>', { text: '93.01 ± 0.19', strong: true }]], caption: 'CIFAR-10 & VGG-19' } },
        { kind: 'image', svg: path.join(dir, 'plots', 'acc vs density.svg'), png: path.join(dir, 'plots', 'acc vs density.png'), caption: 'Accuracy "vs" density' },
        { kind: 'image', png: path.relative(process.cwd(), path.join(dir, 'other.png')) },
        { kind: 'code', text: 'sketchprune run --preset <x>' },
      ],
    }],
  });
  assert.equal(file, path.join(dir, 'index.html'));
  const html = fs.readFileSync(file, 'utf8');
  assert.ok(!html.includes('<script>'), 'no script tag survives');
  assert.ok(html.includes('<title>Report &lt;script&gt;alert(1)&lt;/script&gt;</title>'));
  assert.ok(html.includes('<h1>Report &lt;script&gt;alert(1)&lt;/script&gt;</h1>'));
  assert.ok(html.includes('<p class="subtitle">runs: 12 &amp; counting</p>'));
  assert.ok(html.includes('<h2>Table 1 &lt;b&gt;</h2>'));
  assert.ok(html.includes('<p>First <strong>bold</strong> and <code>code</code> &lt;img src=x onerror=alert(1)&gt;.</p>\n<p>Second paragraph.</p>'));
  assert.ok(html.includes('<caption>CIFAR-10 &amp; VGG-19</caption>'));
  assert.ok(html.includes('<thead><tr><th style="text-align:left">Method</th><th style="text-align:right">10%</th></tr></thead>'));
  assert.ok(html.includes('<tr><td style="text-align:left">&lt;SynFlow&gt;</td><td style="text-align:right"><strong>93.01 ± 0.19</strong></td></tr>'));
  assert.ok(html.includes('<img src="plots/acc%20vs%20density.svg" alt="Accuracy &quot;vs&quot; density">'));
  assert.ok(html.includes('(<a href="plots/acc%20vs%20density.svg">SVG</a> · <a href="plots/acc%20vs%20density.png">PNG</a>)'));
  assert.ok(html.includes('<img src="other.png" alt="other.png">'));
  assert.ok(html.includes('<pre>sketchprune run --preset &lt;x&gt;</pre>'));
  assert.ok(html.startsWith('<!DOCTYPE html>') && html.trimEnd().endsWith('</html>'));
});

test('renderHtmlPage: an image block needs a file', () => {
  assert.throws(() => renderHtmlPage({ title: 't', sections: [{ heading: 'h', blocks: [{ kind: 'image' }] }] }), /needs an svg or a png path/);
});

test('writeHtmlPage: relative report dir and plot paths (relative to the current directory) link relative to the page', () => {
  // The bug this guards: `report runs/demo` writes reports/demo/x.svg and the page linked reports/demo/reports/demo/x.svg.
  const root = temporaryDir('html-rel');
  const dir = path.relative(process.cwd(), path.join(root, 'reports', 'demo'));
  assert.ok(!path.isAbsolute(dir));
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  for (const name of ['a.svg', 'a.png', 'sub/b.png', '../c.png']) fs.writeFileSync(path.join(dir, name), '');
  const html = fs.readFileSync(writeHtmlPage(dir, {
    title: 't',
    sections: [{ heading: 'h', blocks: [
      { kind: 'image', svg: path.join(dir, 'a.svg'), png: path.join(dir, 'a.png') },
      { kind: 'image', png: path.resolve(dir, 'sub', 'b.png') },
      { kind: 'image', png: path.join(dir, '..', 'c.png') },
    ] }],
  }), 'utf8');
  assert.ok(html.includes('<img src="a.svg" alt="a.svg">'), html);
  assert.ok(html.includes('<a href="a.svg">SVG</a> · <a href="a.png">PNG</a>'));
  assert.ok(html.includes('<img src="sub/b.png" alt="b.png">'));
  assert.ok(html.includes('<img src="../c.png" alt="c.png">'));
  assert.ok(!html.includes('reports/demo'), 'no path repeats the report directory');
});

test('writeHtmlPage: a linked file that does not exist is an error naming it', () => {
  const dir = temporaryDir('html-missing');
  assert.throws(() => writeHtmlPage(dir, { title: 't', sections: [{ heading: 'h', blocks: [{ kind: 'image', png: path.join(dir, 'nope.png') }] }] }),
    (error: Error) => error.message.includes(`${path.join(dir, 'nope.png')} does not exist`));
  assert.ok(!fs.existsSync(path.join(dir, 'index.html')));
});
