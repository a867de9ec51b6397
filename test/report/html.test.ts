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
  const file = writeHtmlPage(dir, {
    title: 'Report <script>alert(1)</script>',
    subtitle: 'runs: 12 & counting',
    sections: [{
      heading: 'Table 1 <b>',
      blocks: [
        { kind: 'text', text: 'First **bold** and `code` <img src=x onerror=alert(1)>.\n\nSecond paragraph.' },
        { kind: 'table', table: { columns: ['Method', '10%'], rows: [['<SynFlow>', { text: '93.01 ± 0.19', strong: true }]], caption: 'CIFAR-10 & VGG-19' } },
        { kind: 'image', svg: path.join(dir, 'plots', 'acc vs density.svg'), png: path.join(dir, 'plots', 'acc vs density.png'), caption: 'Accuracy "vs" density' },
        { kind: 'image', png: 'other.png' },
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
