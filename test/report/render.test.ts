import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { renderVegaLite, svgToPng } from '../../src/report/plot/render.js';
import { dejaVuTextWidth } from '../../src/report/plot/text-width.js';
import { decodePng } from './png.js';
import { checkRenderedPng, svgTexts, temporaryDir } from './helpers.js';
import type { TopLevelSpec } from 'vega-lite';

const spec = {
  title: 'A title',
  data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] },
  mark: 'line',
  encoding: { x: { field: 'x', type: 'quantitative', title: 'x axis' }, y: { field: 'y', type: 'quantitative', title: 'y axis' } },
} as TopLevelSpec;

test('renderVegaLite writes NAME.svg and NAME.png; the PNG is valid, 2× the SVG, not blank, with text', async () => {
  const dir = temporaryDir('render');
  const files = await renderVegaLite(spec, { dir, name: 'basic' });
  assert.deepEqual(files, { svg: path.join(dir, 'basic.svg'), png: path.join(dir, 'basic.png') });
  const svg = fs.readFileSync(files.svg, 'utf8');
  assert.ok(svg.startsWith('<svg'));
  assert.ok(svgTexts(svg).includes('A title') && svgTexts(svg).includes('x axis') && svgTexts(svg).includes('y axis'));
  assert.match(svg, /font-family="DejaVu Sans, Verdana, sans-serif"/);
  checkRenderedPng(files.png, svg);
});

test('svgToPng refuses to rasterize without fonts instead of dropping every label', () => {
  const empty = temporaryDir('nofonts');
  assert.throws(() => svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', { fontDirs: [empty] }),
    /no font files \(\.ttf\/\.otf\) found in .*nofonts.*apt-get install -y fonts-dejavu-core/);
});

test('renderVegaLite rejects a name that is a path', async () => {
  await assert.rejects(renderVegaLite(spec, { dir: temporaryDir('render'), name: '../evil' }), /plot name must be a plain file name/);
});

test('the text width table matches the ink width resvg draws with DejaVu Sans (within 3%)', () => {
  for (const bold of [false, true]) {
    const text = 'SynFlow + rand. mask 0.05';
    const size = 40;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="80"><text x="20" y="55" font-family="DejaVu Sans" font-size="${size}"${bold ? ' font-weight="bold"' : ''}>${text}</text></svg>`;
    const png = decodePng(svgToPng(svg, { pngScale: 1 }));
    let left = png.width, right = -1;
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        if (png.grey[y * png.width + x]! < 128) { left = Math.min(left, x); right = Math.max(right, x); }
      }
    }
    const ink = right - left + 1;
    const advance = dejaVuTextWidth(text, size, bold); // ink is narrower by the side bearings of 'S' and '5' (~2 px)
    assert.ok(Math.abs(ink - advance) / advance < 0.03, `${bold ? 'bold' : 'regular'}: ink ${ink} px vs table ${advance.toFixed(1)} px`);
  }
});
