import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkChartFont } from '../../src/schedule/chart/chart-font.ts';
import { FONT_FAMILY } from '../../src/schedule/chart/chart-spec.ts';
import { type AppSeries, dailySeries } from '../../src/schedule/chart/daily-series.ts';
import { chartSize, chartSvg, renderChart } from '../../src/schedule/chart/render-chart.ts';
import type { AppSamples } from '../../src/schedule/samples.ts';

const NOW = Date.parse('2026-12-03T08:00:00Z');
const DAY = 86_400_000;

/** n apps with 14 days of deploys, a failure every few days and a dipping health line. */
const fleet = (n: number, name = (i: number) => `app-${i}`): AppSamples[] =>
  Array.from({ length: n }, (_, i) => ({
    app: name(i),
    env: 'production',
    samples: Array.from({ length: 14 }, (_, d) => [
      { kind: 'deploy' as const, at: NOW - d * DAY, id: `d${d}` },
      ...(d % (i + 2) === 0 ? [{ kind: 'failure' as const, at: NOW - d * DAY, id: `f${d}` }] : []),
      { kind: 'health' as const, at: NOW - d * DAY, healthy: (d + i) % 3, desired: 3 },
    ]).flat(),
  }));
const series = (apps: AppSamples[]): AppSeries[] => dailySeries(apps, NOW, 'UTC');
const render = (apps: AppSamples[]) => renderChart(series(apps), { title: 'voxoz status: last 14 days' });

/** Width and height from the IHDR chunk, after checking the PNG signature. */
const pngSize = (png: Buffer) => {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
};

describe('the status chart renders to a PNG in the process', () => {
  it('decodes as a PNG of the size for its panel count, within sane bounds, the same bytes for the same data', async () => {
    const png = await render(fleet(5));
    expect(pngSize(png)).toEqual(chartSize(5));
    expect(chartSize(5)).toEqual({ width: 1520, height: 470 });
    expect(png.length).toBeGreaterThan(5_000);
    expect(png.length).toBeLessThan(1_000_000);
    expect((await render(fleet(5))).equals(png)).toBe(true);
  });

  it('changes when the data changes (one more failure on one day)', async () => {
    const apps = fleet(2);
    const before = await render(apps);
    apps[1]!.samples.push({ kind: 'failure', at: NOW - 5 * DAY, id: 'extra' });
    expect((await render(apps)).equals(before)).toBe(false);
  });

  it('changes when a label changes: the app names are drawn, not dropped', async () => {
    const before = await render(fleet(2));
    const renamed = await render(fleet(2, (i) => (i === 0 ? 'app-O' : `app-${i}`)));
    expect(pngSize(renamed)).toEqual(pngSize(before));
    expect(renamed.equals(before)).toBe(false);
  });

  it('labels the job axis with whole numbers: a fortnight with no samples yet reads 0 and 1, busy days no fractions', async () => {
    const labels = async (apps: AppSamples[]) =>
      [...(await chartSvg(series(apps), 't')).matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    const empty = await labels([{ app: 'hello', env: 'production', samples: [] }]);
    expect(empty).toContain('jobs per day');
    expect(empty.filter((l) => /^\d+(\.\d+)?$/.test(l))).toEqual(['0', '1']);
    const apps = fleet(1);
    for (let k = 0; k < 6; k++) apps[0]!.samples.push({ kind: 'deploy', at: NOW - 2 * DAY, id: `extra${k}` });
    const busy = await labels(apps);
    expect(busy.filter((l) => /^\d+\.\d+$/.test(l))).toEqual([]);
    expect(busy.filter((l) => /^\d+$/.test(l)).map(Number)).toContain(6);
  });

  it('60 apps make a chart of bounded size: the 12 panels that need a look, the same size as 12 apps', async () => {
    const png = await render(fleet(60));
    expect(pngSize(png)).toEqual({ width: 1520, height: 840 });
    expect(chartSize(60)).toEqual(chartSize(12));
    expect(png.length).toBeLessThan(1_000_000);
  });
});

describe('a chart without labels is a failure, not a picture', () => {
  it('a missing font file is an error that names the Debian package', async () => {
    await expect(renderChart(series(fleet(1)), { title: 't', fontFile: '/nonexistent/DejaVuSans.ttf' })).rejects.toThrow(
      /\/nonexistent\/DejaVuSans\.ttf is missing: install Debian's fonts-dejavu-core/,
    );
  });

  it('a font file that draws nothing (not a font) is refused before any chart is made', () => {
    const notAFont = join(tmpdir(), `not-a-font-${process.pid}.ttf`);
    writeFileSync(notAFont, 'this is not a TrueType font');
    try {
      expect(() => checkChartFont(notAFont, FONT_FAMILY)).toThrow(/draws no text as "DejaVu Sans": reinstall Debian's fonts-dejavu-core/);
    } finally {
      rmSync(notAFont, { force: true });
    }
  });
});
