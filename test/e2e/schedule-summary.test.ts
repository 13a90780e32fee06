import { readFileSync, writeFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalThread } from '../../adapters/local/local-thread-types.ts';
import { SCHEDULE_QUEUE } from '../../src/schedule/sync-schedulers.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { HELLO_APP_DIR, startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { waitFor } from '../support/wait-for.ts';

/** A whole voxoz: its schedules become BullMQ schedulers at start, ticks post summaries to the target, reload re-syncs. */
describe('a schedule in voxoz.yml', () => {
  let voxoz: TestVoxoz;
  let schedulers: Queue;
  beforeAll(async () => {
    voxoz = await startTestVoxoz({
      yaml: `apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
schedules:
  - { name: fast, cron: "*/2 * * * * *", target: { platform: local, channel: ops } }
`,
    });
    schedulers = new Queue(SCHEDULE_QUEUE, {
      connection: new Redis(inject('redisUrl'), { maxRetriesPerRequest: null }),
      prefix: redisKeys(voxoz.queueName).bull,
    });
  });
  afterAll(async () => {
    await voxoz?.close();
    await schedulers?.obliterate({ force: true }).catch(() => undefined);
    await schedulers?.close();
  });
  const auth = () => ({ authorization: `Bearer ${voxoz.localToken}` });
  const keysOf = async () => (await schedulers.getJobSchedulers(0, -1)).map((s) => s.key).sort();

  it('fires summaries into the target channel, and follows a rename on reload', async () => {
    expect(await keysOf()).toEqual(['fast']);
    const listed = await waitFor('a finished summary thread in ops', async () => {
      const res = await fetch(`${voxoz.url}/local/channels/ops/threads`, { headers: auth() });
      const { threads } = (await res.json()) as { threads: Array<{ id: string; state: string; outcome?: string; title: string }> };
      return threads.find((t) => t.state === 'done');
    });
    expect(listed).toMatchObject({ outcome: 'succeeded', title: expect.stringMatching(/ fast summary: 1 not deployed$/) });
    const thread = (await (await fetch(`${voxoz.url}/local/threads/${listed.id}`, { headers: auth() })).json()) as LocalThread;
    expect(thread.conversation).toBe('ops');
    expect(thread.messages[0]!.reply?.text).toContain('hello (production): not deployed');
    expect(thread.messages[0]!.reply?.text).not.toContain('0/1 healthy');
    // The chart of the last 14 days comes after it, as an image the page shows.
    const chart = thread.messages.find((m) => m.kind === 'file' && m.file?.contentType === 'image/png')?.file;
    expect(chart?.name).toMatch(/^status-\d{4}-\d\d-\d\d\.png$/);
    const png = Buffer.from(chart?.content ?? '', 'base64');
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)].every((px) => px >= 200)).toBe(true);
    expect(png.length).toBeGreaterThan(5000);

    const file = `${voxoz.dir}/voxoz.yml`;
    writeFileSync(file, readFileSync(file, 'utf8').replace('name: fast', 'name: quick'));
    expect(voxoz.reload()).toMatchObject({ ok: true, changed: ['schedules changed'] });
    await waitFor('the scheduler renamed', async () => JSON.stringify(await keysOf()) === '["quick"]', 10_000);
  }, 60_000);
});
