// Vega-Lite spec → SVG (vega, headless) → PNG (resvg). Every chart helper ends here.
import fs from 'node:fs';
import path from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { writeFileAtomic } from '../../foundations/atomic.js';
import { vegaTextWidth } from './text-width.js';

// Lay text out with the rendering font's real widths (vega supports a user-defined measure, as vl-convert uses).
(vega as unknown as { textMetrics: { width: unknown } }).textMetrics.width = vegaTextWidth;

export interface PlotFiles {
  svg: string;
  png: string;
}

export interface RenderOptions {
  /** Output directory (created if missing). */
  dir: string;
  /** Base file name without extension: writes NAME.svg and NAME.png. */
  name: string;
  /** PNG pixels per SVG unit (default 2, for sharp text). */
  pngScale?: number;
  /** Directories searched for font files (default: the usual system font directories). */
  fontDirs?: string[];
}

/** The font the charts ask for. DejaVu Sans comes with Debian's fonts-dejavu-core (installed by scripts/setup.sh). */
export const CHART_FONT = 'DejaVu Sans';

/** Shared look: white background, our font. */
export const baseConfig = {
  background: 'white',
  padding: { left: 10, top: 10, bottom: 10, right: 16 },
  font: `${CHART_FONT}, Verdana, sans-serif`,
  title: { fontSize: 14 },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
} as const;

const DEFAULT_FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', '/System/Library/Fonts', '/Library/Fonts', 'C:\\Windows\\Fonts'];

/** Compiles and renders a Vega-Lite spec, writing NAME.svg and NAME.png into dir; returns their paths. */
export async function renderVegaLite(spec: TopLevelSpec, options: RenderOptions): Promise<PlotFiles> {
  if (!/^[\w.-]+$/.test(options.name)) {
    throw new TypeError(`plot name must be a plain file name (letters, digits, "_", ".", "-"), got ${JSON.stringify(options.name)}`);
  }
  const svg = await vegaLiteToSvg(spec);
  const png = svgToPng(svg, options);
  const files = { svg: path.join(options.dir, `${options.name}.svg`), png: path.join(options.dir, `${options.name}.png`) };
  writeFileAtomic(files.svg, svg);
  writeFileAtomic(files.png, png);
  return files;
}

export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...baseConfig, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes an SVG. Throws when no font file can be found: resvg would silently drop every label. */
export function svgToPng(svg: string, options: { pngScale?: number; fontDirs?: string[] } = {}): Buffer {
  const fontDirs = (options.fontDirs ?? DEFAULT_FONT_DIRS).filter((d) => fs.existsSync(d));
  if (!fontDirs.some(hasFontFile)) {
    throw new Error(
      `no font files (.ttf/.otf) found in ${(options.fontDirs ?? DEFAULT_FONT_DIRS).join(', ')}; PNG text would be blank. ` +
        'Install fonts (Debian: apt-get install -y fonts-dejavu-core) or pass fontDirs.',
    );
  }
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: options.pngScale ?? 2 },
    font: { fontDirs, loadSystemFonts: false, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
  });
  return resvg.render().asPng();
}

const fontSearchCache = new Map<string, boolean>();

function hasFontFile(dir: string): boolean {
  const cached = fontSearchCache.get(dir);
  if (cached !== undefined) return cached;
  const search = (d: string, depth: number): boolean => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return false;
    }
    if (entries.some((e) => e.isFile() && /\.(ttf|otf|ttc)$/i.test(e.name))) return true;
    return depth < 4 && entries.some((e) => e.isDirectory() && search(path.join(d, e.name), depth + 1));
  };
  const found = search(dir, 0);
  fontSearchCache.set(dir, found);
  return found;
}
