// Loads an HTML page in headless Chromium (Debian's `chromium`, installed by scripts/setup.sh) and reports, from
// inside the browser, which images loaded and what every link resolves to. No npm package and no download: a
// copy of the page gets a small script that writes its findings into the DOM, and `chromium --dump-dom` prints
// the DOM after the page's virtual time has run out. Chromium is started and waited for here, once per page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => fs.existsSync(file));

export interface BrowserImage { src: string; naturalWidth: number; naturalHeight: number }
/** A link as the browser resolved it; image links are also loaded (naturalWidth 0 = did not load). */
export interface BrowserLink { text: string; href: string; naturalWidth: number | null }
export interface BrowserCheck { images: BrowserImage[]; links: BrowserLink[] }

// Runs in the page after `load`: every <img> has settled by then; each link to an image is loaded as one.
const probe = `<script>
window.addEventListener('load', async () => {
  const load = (url) => new Promise((resolve) => {
    const image = new Image();
    image.onload = () => resolve(image.naturalWidth);
    image.onerror = () => resolve(0);
    image.src = url;
  });
  const images = [...document.images].map((i) => ({ src: i.src, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight }));
  const links = await Promise.all([...document.querySelectorAll('a[href]')].map(async (a) => ({
    text: a.textContent, href: a.href,
    naturalWidth: /\\.(svg|png|jpe?g|gif)$/i.test(new URL(a.href).pathname) ? await load(a.href) : null,
  })));
  const out = document.createElement('pre');
  out.id = 'browser-check';
  out.textContent = JSON.stringify({ images, links });
  document.body.appendChild(out);
});
</script>`;

/** Renders `htmlFile` (a copy with the probe, beside it so relative links resolve the same) and returns the findings. */
export function checkPageInBrowser(htmlFile: string): BrowserCheck {
  if (CHROMIUM === undefined) throw new Error('chromium is not installed (scripts/setup.sh installs it)');
  const page = fs.readFileSync(htmlFile, 'utf8');
  if (!page.includes('</body>')) throw new Error(`${htmlFile}: no </body>`);
  const copy = path.join(path.dirname(htmlFile), `.browser-check-${process.pid}.html`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-chromium-'));
  fs.writeFileSync(copy, page.replace('</body>', `${probe}\n</body>`));
  try {
    const run = spawnSync(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-extensions', `--user-data-dir=${profile}`,
      '--virtual-time-budget=5000', '--dump-dom', pathToFileURL(path.resolve(copy)).href,
    ], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
    if (run.error) throw new Error(`chromium: ${run.error.message}`);
    const found = /<pre id="browser-check">([^<]*)<\/pre>/.exec(run.stdout);
    if (run.status !== 0 || !found) {
      throw new Error(`chromium exited ${run.status} without the probe's result; stderr tail:\n${run.stderr.slice(-2000)}`);
    }
    const json = found[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    return JSON.parse(json) as BrowserCheck;
  } finally {
    fs.rmSync(copy, { force: true });
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** Asserts, in the browser, that the page shows at least one image, every image loads, and every link resolves to an existing file inside the page's directory (and loads, if it is an image). */
export function assertPageWorks(html: string): void {
  assert.ok(fs.existsSync(html), `${html} written`);
  const check = checkPageInBrowser(html);
  assert.ok(check.images.length >= 1, `the page shows a plot: ${JSON.stringify(check)}`);
  for (const image of check.images) {
    assert.ok(image.naturalWidth > 0 && image.naturalHeight > 0, `image ${image.src} loaded in the browser (naturalWidth ${image.naturalWidth})`);
  }
  assert.ok(check.links.length >= 2 * check.images.length, 'SVG and PNG links beside each plot');
  for (const link of check.links) {
    assert.ok(link.href.startsWith('file://'), `link ${link.href} is local`);
    const target = fileURLToPath(link.href);
    assert.ok(fs.existsSync(target), `link "${link.text}" → ${target} exists`);
    assert.ok(target.startsWith(path.dirname(html) + path.sep), `link ${target} stays in the report directory`);
    if (link.naturalWidth !== null) assert.ok(link.naturalWidth > 0, `linked image ${target} loads in the browser`);
  }
}
