import { Redis } from 'ioredis';
import { createJobStreamWriter } from '../src/jobs/job-stream.ts';
import { redisKeys } from '../src/store/keys.ts';
import { benchRedis } from './own-redis.ts';

/**
 * Writing a 10,000-line build log to a job stream: voxoz's pipelined writer against the
 * baseline of one awaited XADD per line, measured in the same run on the same Redis.
 */
const LINES = 10_000;
const ROUNDS = 3;
const own = await benchRedis();
const redis = new Redis(own.url);
const keys = redisKeys(`bench-${process.pid}`);
const line = (i: number) => `Step ${i}/${LINES} : RUN make -j2 target-${i} >>> compiling module ${i} with a realistic amount of text`;

async function baseline(job: string): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < LINES; i++)
    await redis.xadd(keys.events(job), '*', 'e', JSON.stringify({ type: 'log', at: new Date().toISOString(), line: line(i) }));
  return performance.now() - t;
}

async function voxoz(job: string): Promise<number> {
  const t = performance.now();
  const writer = createJobStreamWriter(redis, keys, job, (s) => s.replace('secret', '••••'));
  for (let i = 0; i < LINES; i++) writer.write({ type: 'log', at: new Date().toISOString(), line: line(i) });
  await writer.flush();
  return performance.now() - t;
}

const rows: Array<[string, number, number]> = [];
for (let r = 0; r < ROUNDS; r++) {
  const b = await baseline(`base-${r}`);
  const v = await voxoz(`vox-${r}`);
  if ((await redis.xlen(keys.events(`vox-${r}`))) !== LINES) throw new Error('voxoz writer lost lines');
  rows.push([`round ${r + 1}`, b, v]);
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = median(rows.map((r) => r[1]));
const mv = median(rows.map((r) => r[2]));
console.log(`| ${LINES} log lines → Redis Stream | one XADD per line (baseline) | voxoz pipelined writer | ratio |`);
console.log('| --- | --- | --- | --- |');
for (const [name, b, v] of rows) console.log(`| ${name} | ${b.toFixed(0)} ms | ${v.toFixed(0)} ms | ${(b / v).toFixed(1)}× faster |`);
console.log(`| median | ${mb.toFixed(0)} ms | ${mv.toFixed(0)} ms | ${(mb / mv).toFixed(1)}× faster |`);
await redis.quit();
await own.stop();
