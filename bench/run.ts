import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Runs every `bench/*-bench.ts` in turn; each prints its own table. Exits non-zero if any failed. */
const dir = import.meta.dirname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('-bench.ts'))
  .sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n## ${file}\n`);
  const run = spawnSync(process.execPath, [join(dir, '../bin/run-ts.js'), join(dir, file)], { stdio: 'inherit', timeout: 10 * 60_000 });
  if (run.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
