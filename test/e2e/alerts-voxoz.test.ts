import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { createReleaseStore } from '../../src/store/release-store.ts';
import { HELLO_APP_DIR, startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { waitFor } from '../support/wait-for.ts';

// A whole voxoz as `npm start` runs it: its alerts follow the private dockerd's events and the
// incident reaches the local chat's ops channel, read through the local API as the page reads it.
const docker = createDockerClient(inject('dockerHost'));
let voxoz: TestVoxoz | undefined;
afterAll(async () => {
  await voxoz?.close();
  if (!voxoz) return;
  const left = await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${voxoz.queueName}`] } });
  for (const c of left) await docker.getContainer(c.Id).remove({ force: true });
});

describe('alerts in a running voxoz', () => {
  it('posts a crash loop of a live app to its alert channel and closes it with "recovered after" when it serves again', async () => {
    const v = await startTestVoxoz({
      yaml: `chat:
  systemChannel: { local: system }
apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
    alerts: { channel: { local: ops }, crashLoop: { dies: 3, withinSeconds: 120 }, graceSeconds: 30, stableSeconds: 2 }
`,
    });
    voxoz = v;
    const redis = new Redis(inject('redisUrl'));
    try {
      await createReleaseStore(redis, redisKeys(v.queueName)).record({
        app: 'hello',
        env: 'production',
        number: 1,
        artifact: 'busybox',
        deployedBy: 'test',
        at: new Date().toISOString(),
        outcome: 'live',
        jobId: 'job-hello-1',
      });
    } finally {
      await redis.quit();
    }
    // Release 1's replica as the driver labels it: exits 1 on its first three runs, then serves.
    const c = await docker.createContainer({
      name: `${v.queueName}-hello-production-v1-0`,
      Image: 'busybox:latest',
      Cmd: [
        'sh',
        '-c',
        'n=$(cat /tmp/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/n; [ $n -le 3 ] && exit 1; mkdir -p /tmp/w && echo ok > /tmp/w/index.html && exec httpd -f -p 127.0.0.1:$PORT -h /tmp/w',
      ],
      Env: [`PORT=${v.appPort}`],
      Labels: {
        'voxoz.instance': v.queueName,
        'voxoz.app': 'hello',
        'voxoz.env': 'production',
        'voxoz.release': '1',
        'voxoz.port': String(v.appPort),
      },
      HostConfig: { NetworkMode: 'host' },
    });
    for (let i = 0; i < 3; i += 1) {
      await c.start();
      expect((await c.wait()).StatusCode).toBe(1);
    }
    const auth = { authorization: `Bearer ${v.localToken}` };
    const threads = async () =>
      (
        (await (await fetch(`${v.url}/local/channels/ops/threads`, { headers: auth })).json()) as {
          threads: Array<{ id: string; state: string; title: string }>;
        }
      ).threads;
    const [open] = await waitFor('the crash-loop alert in ops', async () => {
      const t = await threads();
      // The relay posts a record as queued first, then edits it to what it says.
      return t[0]?.title.includes('exits') && t;
    });
    expect(open!.title).toMatch(/hello\/production crash loop: 3 exits since .* UTC, last exit code 1/);

    await c.start();
    const [closed] = await waitFor(
      'the alert to close',
      async () => {
        const t = await threads();
        return t[0]?.state === 'done' && t;
      },
      60_000,
    );
    expect(closed!.title).toMatch(/hello\/production crash loop: recovered after \d+ s/);
    expect(await threads()).toHaveLength(1);
    const thread = (await (await fetch(`${v.url}/local/threads/${closed!.id}`, { headers: auth })).json()) as {
      messages: Array<{ kind: string; text: string }>;
    };
    expect(thread.messages.find((m) => m.kind === 'parent')?.text).toContain('1/1 running');
  });
});
