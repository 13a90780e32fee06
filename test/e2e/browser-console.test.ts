import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDesiredStore } from '../../src/store/desired-store.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { approvalYaml, helloCopy, servedPage } from '../support/approval-flow.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

/**
 * The local web page in a real browser: Debian's Chromium driven by playwright-core (each launch
 * gets a fresh profile, a new --user-data-dir of Playwright's), each person in a browser context
 * of their own (own cookie). A deploy typed in
 * the page fills its thread and ends in place, Cancel stops a queued job, and a rollback asked by
 * one person is approved by another in their own window, where the request shows up by itself.
 * Screenshots are kept in test-artifacts/browser/.
 */
const CHROMIUM = process.env.VOXOZ_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts/browser');
/** Chromium reaches nothing but the voxoz under test on loopback. */
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

let voxoz: TestVoxoz | undefined;
let hello: ReturnType<typeof helloCopy>;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  hello = helloCopy();
  voxoz = await startTestVoxoz({
    yaml: approvalYaml(hello.dir, { rita: { local: 'rita' }, abe: { local: 'abe' }, stan: { local: 'stan' } }),
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}, 120_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await voxoz?.close();
  hello?.remove();
}, 60_000);

/** A person's window: a context of its own (its own cookie), the page opened with voxoz's token, the name box set. */
async function windowFor(user: string): Promise<Page> {
  const context = await browser!.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${voxoz!.url}/?token=${voxoz!.localToken}`);
  // The token went into a cookie and out of the address.
  expect(new URL(page.url()).search).toBe('');
  await page.getByLabel('as', { exact: true }).fill(user);
  return page;
}

/** Types a command and presses Enter; resolves with the id of the thread voxoz answered in. */
async function send(page: Page, text: string): Promise<string> {
  await page.getByLabel('command', { exact: true }).fill(text);
  const answer = page.waitForResponse((r) => r.url().endsWith('/local/commands') && r.request().method() === 'POST');
  await page.getByLabel('command', { exact: true }).press('Enter');
  const body = (await (await answer).json()) as { thread?: string; error?: string };
  if (!body.thread) throw new Error(`"${text}" got no thread: ${JSON.stringify(body)}`);
  // The page empties the box and opens the thread once it has read the answer: a command typed
  // before that would be wiped, and Enter would send an empty one.
  await page.locator(`[id="thread-${body.thread}"]`).waitFor({ state: 'attached' });
  return body.thread;
}

/** The message (a thread's parent, or any) whose text matches, once the page shows it. */
const message = (page: Page, re: RegExp) => page.locator('.msg', { hasText: re }).first();

describe('the web console in Chromium', () => {
  it('a deploy typed in the page: its thread fills with the log and the parent ends in place; ↑ brings the command back', async () => {
    const rita = await windowFor('rita');
    hello.bake(1);
    // Before its first deploy the dashboard says hello is not deployed (not "0 / 1", which reads as broken).
    const row = rita.getByRole('row', { name: /hello production/ });
    await expect.poll(async () => (await row.textContent()) ?? '', { timeout: 20_000 }).toBe('helloproductionnonenot deployed0');
    // The next command is typed at once, before the answer comes: the box keeps it.
    const box = rita.getByLabel('command', { exact: true });
    const answered = rita.waitForResponse((r) => r.url().endsWith('/local/commands'));
    await box.fill('deploy hello');
    await box.press('Enter');
    await box.pressSequentially('status');
    const { thread } = (await (await answered).json()) as { thread: string };
    await rita.locator(`[id="thread-${thread}"]`).waitFor({ state: 'attached' });
    expect(await box.inputValue()).toBe('status');
    await box.fill('');
    await expect.poll(async () => (await message(rita, /hello v1 live/).count()) > 0, { timeout: 120_000 }).toBe(true);
    // The log batches may land just after the final edit (which may skip the relay's pacing).
    await expect.poll(async () => rita.locator('.msg.log').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await servedPage(voxoz!.appPort)).toContain('hello from release v1');
    await rita.getByLabel('command', { exact: true }).press('ArrowUp');
    expect(await rita.getByLabel('command', { exact: true }).inputValue()).toBe('deploy hello');
    // The dashboard: the app environment, its live release and replicas, and the chart.
    await expect.poll(async () => (await row.textContent()) ?? '', { timeout: 20_000 }).toMatch(/helloproductionv1.*1 \/ 1/);
    await expect
      .poll(async () => rita.locator('#chart').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 })
      .toBeGreaterThan(0);
    expect(await rita.locator('#cmds option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toContain('deploy hello');
    await rita.screenshot({ path: join(ARTIFACTS, 'deploy.png'), fullPage: true });
    // A burst whose scale-back did not run (set in its store as a failed one leaves it) shows as overdue.
    const redis = new Redis(inject('redisUrl'));
    const desired = createDesiredStore(redis, redisKeys(voxoz!.queueName));
    await desired.setBurst('hello', 'production', { add: 2, until: new Date(Date.now() - 120_000).toISOString(), job: 'a-failed-burst' });
    try {
      await expect
        .poll(async () => (await row.textContent()) ?? '', { timeout: 20_000 })
        .toMatch(/\+2 overdue since \d\d:\d\d UTC \(its scale-back has not run\)/);
    } finally {
      await desired.clearBurst('hello', 'production');
      await redis.quit();
    }
  }, 180_000);

  it('Cancel on a job waiting behind another stops it; the first one finishes', async () => {
    const rita = await windowFor('rita');
    hello.bake(2);
    // A build that takes a while, so the second deploy waits behind it in the app's line.
    const dockerfile = join(hello.dir, 'Dockerfile');
    const plain = readFileSync(dockerfile, 'utf8');
    writeFileSync(dockerfile, plain.replace('FROM busybox\n', 'FROM busybox\nRUN sleep 8\n'));
    try {
      const first = await send(rita, 'deploy hello');
      await expect
        .poll(async () => rita.locator(`[id="thread-${first}"] .msg`, { hasText: /build/ }).count(), { timeout: 30_000 })
        .toBeGreaterThan(0);
      // The second deploy's thread (by its id: threads of other channels can land on top of it),
      // whose parent, waiting, offers Cancel.
      const second = rita.locator(`[id="thread-${await send(rita, 'deploy hello')}"] .msg.parent`);
      await expect
        .poll(async () => (await second.count()) > 0 && ((await second.textContent()) ?? ''), { timeout: 30_000 })
        .toMatch(/waiting|queued/);
      // The dashboard lists the jobs, each with a link to its thread.
      await expect.poll(async () => rita.locator('#jobs a', { hasText: 'thread' }).count(), { timeout: 20_000 }).toBe(2);
      // By keyboard: the Cancel button takes the focus and Enter presses it.
      await second.getByRole('button', { name: 'Cancel' }).focus();
      await rita.keyboard.press('Enter');
      await expect.poll(async () => (await second.textContent()) ?? '', { timeout: 60_000 }).toMatch(/cancelled/);
      await expect.poll(async () => message(rita, /hello v2 live/).count(), { timeout: 120_000 }).toBeGreaterThan(0);
    } finally {
      writeFileSync(dockerfile, plain);
    }
    await rita.screenshot({ path: join(ARTIFACTS, 'cancel.png'), fullPage: true });
  }, 240_000);

  it('a rollback asked by rita is approved by abe in his own window, where the request shows up by itself', async () => {
    const rita = await windowFor('rita');
    const abe = await windowFor('abe');
    await send(rita, 'rollback hello');
    const REQUEST = /approval needed: rollback hello\/production from v2 to v1/;
    await expect.poll(async () => message(rita, REQUEST).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    // Abe typed nothing: the channel's new thread appears in his window.
    const request = message(abe, REQUEST);
    await expect.poll(async () => request.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await request.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(async () => message(abe, /approved by abe/).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(async () => message(rita, /hello v3 live: rollback of v1/).count(), { timeout: 120_000 }).toBeGreaterThan(0);
    expect(await servedPage(voxoz!.appPort)).toContain('hello from release v1');
    await rita.screenshot({ path: join(ARTIFACTS, 'rollback-rita.png'), fullPage: true });
    await abe.screenshot({ path: join(ARTIFACTS, 'rollback-abe.png'), fullPage: true });
  }, 240_000);

  it('a summary asked for elsewhere (the local API, as the CLI does) arrives in an open window with its chart; at 200 % zoom nothing needs scrolling sideways', async () => {
    const other = await startTestVoxoz({
      yaml: `apps:
  - name: hello
    source: { path: ${hello.dir} }
    port: APP_PORT
schedules:
  - { name: weekly, cron: "0 9 * * 1", timezone: UTC, target: { platform: local, channel: ops } }
`,
    });
    const context = await browser!.newContext({ viewport: { width: 640, height: 900 }, deviceScaleFactor: 2 });
    contexts.push(context);
    try {
      const page = await context.newPage();
      await page.goto(`${other.url}/?token=${other.localToken}`);
      const res = await fetch(`${other.url}/local/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${other.localToken}` },
        body: JSON.stringify({ user: 'ann', text: 'schedule run weekly' }),
      });
      expect(res.status).toBe(202);
      await expect.poll(async () => message(page, /weekly summary/).count(), { timeout: 60_000 }).toBeGreaterThan(0);
      const chart = page.locator('.msg img[src^="data:image/png;base64,"]').first();
      await expect
        .poll(async () => chart.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth).catch(() => 0), { timeout: 60_000 })
        .toBeGreaterThan(0);
      // 640 CSS pixels: a 1280-pixel window at 200 % zoom.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'summary-200-percent.png'), fullPage: true });
    } finally {
      await other.close();
    }
  }, 180_000);
});
