// Shared checks for rendered charts (not a test file itself).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { decodePng, PNG_SIGNATURE, type DecodedPng } from './png.js';

export function temporaryDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sketchprune-${prefix}-`));
}

/** The text content of every <text> element, entities decoded. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'));
}

export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="(\d+(?:\.\d+)?)"[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg);
  assert.ok(m, 'SVG has width and height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/**
 * A PNG rendered from `svg` at `scale`: right signature and size, not blank, and with ink in the title band at
 * the top (the title is text: without usable fonts resvg leaves that band white).
 */
export function checkRenderedPng(pngFile: string, svg: string, scale = 2): DecodedPng {
  const bytes = fs.readFileSync(pngFile);
  assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
  const png = decodePng(bytes);
  const size = svgSize(svg);
  assert.equal(png.width, Math.round(size.width * scale));
  assert.equal(png.height, Math.round(size.height * scale));
  let sum = 0, squares = 0;
  for (const g of png.grey) { sum += g; squares += g * g; }
  const mean = sum / png.grey.length;
  const variance = squares / png.grey.length - mean * mean;
  assert.ok(variance > 100, `PNG has contrast (grey variance ${variance.toFixed(1)})`); // blank white: 0
  assert.ok(darkPixels(png, 0, Math.round(30 * scale)) > 50, 'title text is drawn in the PNG');
  return png;
}

/** Pixels darker than mid-grey in rows [from, to). */
export function darkPixels(png: DecodedPng, from: number, to: number): number {
  let count = 0;
  for (let y = from; y < Math.min(to, png.height); y++) {
    for (let x = 0; x < png.width; x++) if (png.grey[y * png.width + x]! < 128) count++;
  }
  return count;
}
