import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LocalThread } from '../../adapters/local/local-thread-types.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { dockerTestbed } from '../support/docker-apps.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// The summary from real state: deploys through chat to the private dockerd (one healthy and
// locked, one whose deploy failed its health check), then `schedule run` through the real
// dispatcher, queue, worker (the summary processor) and relay into the local chat.
const bed = dockerTestbed();
let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});
afterAll(() => bed.cleanup());

const logLines = (thread: LocalThread) =>
  thread.messages
    .filter((m) => m.kind === 'log')
    .flatMap((m) => m.text.split('\n'))
    .map((l) => l.replace(/^`+|`+$/g, ''));

describe('schedule run <name> posts the summary of what runs now', () => {
  it('a healthy locked app and a failed deploy: verdict, changes, attention first, lock and last deploys named', async () => {
    const id = randomUUID().slice(0, 5);
    const [good, bad] = [`ok${id}`, `bad${id}`];
    const app = async (name: string, extra = {}) => ({
      name,
      source: { path: HELLO_APP_DIR },
      port: await findFreePort(),
      health: { timeoutSeconds: 10 },
      drainSeconds: 1,
      ...extra,
    });
    const broken = { health: { path: '/missing', timeoutSeconds: 10, graceSeconds: 0, retries: 3 } };
    spine = await startSpine(
      { docker: bed.driver },
      {
        apps: [await app(good), await app(bad, broken)],
        // alice is a listed person (shown by her name); bob is not (shown by his identity).
        people: { alice: { local: 'alice' } },
        schedules: [{ name: 'morning', cron: '0 9 * * *', timezone: 'Europe/Kyiv', target: { platform: 'local', channel: 'ops' } }],
      },
    );
    await spine.startWorkers();
    spine.startRelay();
    const s = spine;
    const run = async (text: string, user = 'alice') => {
      const { thread } = await s.say(user, text);
      return s.waitForEnd(thread, 90_000);
    };
    expect((await run(`deploy ${good}`)).messages[1]!.reply!.title).toBe(`${good} v1 live (1/1 healthy)`);
    expect((await run(`deploy ${bad}`, 'bob')).messages[1]!.reply!.title).toMatch(/failed/);
    expect((await s.say('alice', `lock ${good} freeze`)).reply?.title).toBe(`${good} (production) locked by alice`);
    // A read that failed on the healthy app is the asker's answer, not the app's failure.
    expect((await run(`logs ${good} --replica 5`)).messages[1]!.reply!.title).toMatch(/failed/);

    const thread = await run('schedule run morning');
    const parent = thread.messages[1]!.reply!;
    expect(parent.title).toBe(
      'morning summary: 1 needs attention, 0 healthy, 1 not deployed'.replace('0 healthy, 1 not deployed', '1 healthy'),
    );
    const lines = parent.text!.split('\n');
    expect(lines[0]).toMatch(/^Since \d{4}-\d\d-\d\d \d\d:\d\dZ: 2 changes$/);
    expect(lines.slice(1, 3)).toEqual([
      expect.stringMatching(new RegExp(`^${good} \\(production\\) v1 deploy by alice \\d+[sm] ago: live$`)),
      expect.stringMatching(new RegExp(`^${bad} \\(production\\) v1 deploy by local:bob \\d+[sm] ago: failed$`)),
    ]);
    expect(lines[4]).toMatch(
      new RegExp(
        `^\\[!\\] ${bad} \\(production\\): not deployed; last deploy v1 by local:bob \\d+[sm] ago, failed -- last deploy v1 failed, 1 failed job$`,
      ),
    );
    expect(lines[5]).toMatch(
      new RegExp(
        `^${good} \\(production\\): v1 live \\d+[sm]; 1/1 healthy; locked by alice \\(freeze\\); last deploy v1 by alice \\d+[sm] ago, live$`,
      ),
    );
    // The thread has every line too.
    const logged = logLines(thread);
    expect(logged).toContainEqual(expect.stringMatching(new RegExp(`^change: ${bad} \\(production\\) v1 deploy by local:bob`)));
    expect(logged).toContainEqual(lines[5]);
    // An unknown schedule is refused at once, naming the ones there are; nothing is queued.
    const unknown = await s.say('alice', 'schedule run evening');
    expect(unknown.job).toBeUndefined();
    expect(unknown.reply?.text).toBe('there is no schedule named "evening" in /test/voxoz.yml (it has: morning). Nothing was queued.');
    const typo = await s.say('alice', 'schedule run mornin');
    expect(typo.reply?.text).toBe(
      'there is no schedule named "mornin" in /test/voxoz.yml; did you mean "morning"? (it has: morning). Nothing was queued.',
    );
  });
});
