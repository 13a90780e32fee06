import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { once } from 'node:events';
import { Events } from 'discord.js';
import { createDiscordClient } from '../../adapters/discord/discord-client.ts';
import { createDiscordSurface } from '../../adapters/discord/discord-surface.ts';
import { LocalChat } from '../../adapters/local/local-chat.ts';
import { createSlackSurface } from '../../adapters/slack/slack-surface.ts';
import type { JobData } from '../../src/core/types.ts';
import { createJobStreamWriter } from '../../src/jobs/job-stream.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import type { ChatSurface } from '../../src/relay/chat-surface.ts';
import { startRelay } from '../../src/relay/relay.ts';
import { saveJobFiles } from '../../src/store/job-files.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { C } from '../fixtures/slack/e2e-helpers.ts';
import { startDiscordSimulator } from '../support/discord-sim/index.ts';
import { startSlackSimulator } from '../support/slack-sim/index.ts';

// A file a job produced (a PNG chart) goes into its thread after the outcome, through the real
// relay and the real surfaces: Slack's upload (against the simulator) and the local chat.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(randomUUID())]);
const redis = new Redis(inject('redisUrl'));
afterAll(async () => {
  await redis.quit();
});

/** Plays a finished job with one attachment into the job store, as a worker's run-job would, and relays it until done. */
async function relayJobWithFile(surface: ChatSurface, conversation: string, meta?: Record<string, string>) {
  const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
  const at = () => new Date().toISOString();
  const job: JobData = {
    id: `att-${randomUUID().slice(0, 8)}`,
    kind: 'status',
    command: 'status hello',
    app: 'hello',
    env: 'production',
    args: { app: 'hello' },
    requestedBy: { id: 'local:ann', name: 'ann' },
    thread: { platform: surface.platform, conversation, ...(meta ? { meta } : {}) },
    requestedAt: at(),
  };
  await redis.hset(keys.job(job.id), 'data', JSON.stringify(job));
  await redis.sadd(keys.relayActive, job.id);
  const attachments = await saveJobFiles(redis, keys, job.id, [{ name: 'chart.png', contentType: 'image/png', data: PNG }]);
  const w = createJobStreamWriter(redis, keys, job.id);
  w.write({ type: 'queued', at: at() });
  w.write({ type: 'started', at: at(), attempt: 1, worker: 'test' });
  w.write({ type: 'done', at: at(), outcome: 'succeeded', result: { title: 'hello: all healthy', attachments } });
  await w.flush();
  const relay = startRelay({ redisUrl: inject('redisUrl'), keys, surfaces: [surface], log: silentLogger, tickMs: 20 });
  try {
    const deadline = Date.now() + 20_000;
    while ((await redis.sismember(keys.relayActive, job.id)) === 1) {
      if (Date.now() > deadline) throw new Error('the relay did not finish the job within 20 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await relay.close();
  }
}

describe('files a job produced', () => {
  it('are uploaded in the Slack thread after the outcome, byte for byte', async () => {
    const sim = await startSlackSimulator();
    try {
      await relayJobWithFile(createSlackSurface({ botToken: sim.botToken, apiUrl: sim.apiUrl, log: silentLogger }), C);
      const parent = sim.messages(C)[0]!;
      const [file] = sim.files(C, parent.ts);
      expect(file).toMatchObject({ filename: 'chart.png' });
      expect(file?.content?.equals(PNG)).toBe(true);
      expect(sim.errors).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  it("are attached in the Discord job's thread after the outcome, byte for byte", async () => {
    const sim = await startDiscordSimulator({ heartbeatIntervalMs: 1000 });
    const client = createDiscordClient({ token: sim.token, apiUrl: sim.apiUrl, retries: 0 });
    try {
      const ready = once(client, Events.ClientReady);
      await client.login(sim.token);
      await ready;
      await relayJobWithFile(
        createDiscordSurface({ rest: client.rest, applicationId: sim.applicationId, log: silentLogger }),
        sim.channelId,
      );
      const parent = sim.messages(sim.channelId)[0]!;
      const stored = sim.messages(parent.id).flatMap((m) => sim.attachments(m.id));
      expect(stored.map((a) => [a.filename, a.contentType])).toEqual([['chart.png', 'image/png']]);
      expect(stored[0]?.bytes.equals(PNG)).toBe(true);
    } finally {
      await client.destroy();
      await sim.close();
    }
  });

  it('are shown in the local thread as the image they are', async () => {
    const subscriber = new Redis(inject('redisUrl'));
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const chat = new LocalChat({ redis, subscriber, keys });
    try {
      const thread = (await chat.openThread(undefined, 'status hello', 'local')).id;
      await relayJobWithFile(chat, 'local', { thread });
      const file = (await chat.thread(thread))?.messages.find((m) => m.kind === 'file');
      expect(file?.file).toMatchObject({ name: 'chart.png', contentType: 'image/png', encoding: 'base64', bytes: PNG.length });
      expect(Buffer.from(file?.file?.content ?? '', 'base64').equals(PNG)).toBe(true);
    } finally {
      await subscriber.quit();
    }
  });
});
