import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPage } from '../support/local-page-harness.ts';
import { HELLO_APP_DIR, startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { waitFor } from '../support/wait-for.ts';

// `schedule run` typed on the local page (its own script, run against a whole voxoz): the
// summary's verdict, and its chart shown as the PNG image it is.
describe('the local page shows a summary with its chart', () => {
  let voxoz: TestVoxoz | undefined;
  let page: ReturnType<typeof startLocalPage> | undefined;
  beforeAll(async () => {
    voxoz = await startTestVoxoz({
      yaml: `apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
schedules:
  - { name: weekly, cron: "0 9 * * 1", timezone: Europe/Kyiv, target: { platform: local, channel: ops } }
`,
    });
    page = startLocalPage(voxoz.url, voxoz.localToken!);
  });
  afterAll(async () => {
    page?.close();
    await voxoz?.close();
  });

  it('schedule run weekly: the verdict in the thread, the chart as an image', async () => {
    await page!.send('ann', 'schedule run weekly');
    const verdict = await waitFor('the summary', () => page!.messages().find((m) => /weekly summary: 1 not deployed/.test(m.text)), 60_000);
    expect(verdict.text).toContain('hello (production): not deployed');
    expect(verdict.text).not.toContain('0/1 healthy');
    const [src] = await waitFor('the chart', () => page!.messages().find((m) => m.images.length > 0)?.images, 60_000);
    expect(src).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(src!.slice('data:image/png;base64,'.length), 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(200);
  }, 90_000);
});
