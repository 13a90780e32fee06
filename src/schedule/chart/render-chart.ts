import { Resvg } from '@resvg/resvg-js';
import { COLUMNS, chartSpec, FONT_FAMILY, MAX_PANELS } from './chart-spec.ts';
import { checkChartFont, DEFAULT_FONT_FILE, fontOptions } from './chart-font.ts';
import type { AppSeries } from './daily-series.ts';

export interface ChartOptions {
  title: string;
  /** @defaultValue Debian's DejaVu Sans (fonts-dejavu-core) */
  fontFile?: string;
}

/**
 * Pixel size of the PNG, from the number of panels alone (close to Vega's natural size for
 * that layout): at most MAX_PANELS panels in rows of COLUMNS, so a 60-app fleet makes the
 * same size of image as a 12-app one (1520 × 840).
 */
export function chartSize(apps: number): { width: number; height: number } {
  const panels = Math.max(1, Math.min(apps, MAX_PANELS));
  return { width: 140 + Math.min(panels, COLUMNS) * 460, height: 100 + Math.ceil(panels / COLUMNS) * 185 };
}

/**
 * Renders the 14-day chart to PNG in the process: Vega-Lite → Vega → SVG (no canvas, no
 * browser) → resvg. Vega's natural size shifts with label widths, so its SVG is set into the
 * fixed `chartSize` box (scaled to fit, centred, white around). Throws if the font is missing
 * or draws nothing (see checkChartFont).
 */
export async function renderChart(series: readonly AppSeries[], options: ChartOptions): Promise<Buffer> {
  const fontFile = options.fontFile ?? DEFAULT_FONT_FILE;
  checkChartFont(fontFile, FONT_FAMILY);
  const svg = await chartSvg(series, options.title);
  const size = chartSize(series.length);
  const framed = svg.replace(/^<svg([^>]*?) width="[\d.]+" height="[\d.]+"/, `<svg$1 width="${size.width}" height="${size.height}"`);
  if (framed === svg) throw new Error('vega SVG has no root width/height to frame (vega changed its output?)');
  return new Resvg(framed, { ...fontOptions(fontFile, FONT_FAMILY), background: 'white' }).render().asPng();
}

/** The chart as Vega draws it (SVG, its natural size), before it is framed and rasterised. */
export async function chartSvg(series: readonly AppSeries[], title: string): Promise<string> {
  // Loaded on first use: vega-lite sets Set.prototype.toJSON process-wide as it loads, and a
  // module that loads after it and inspects Set at load time (discord.js's event emitter) breaks.
  // voxoz loads its chat libraries at start, so they are always first.
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const vega = compile(chartSpec(series, title)).spec;
  const view = new View(parse(vega), { renderer: 'none' });
  const svg = await view.toSVG();
  await view.finalize();
  return svg;
}
