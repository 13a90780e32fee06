import { cp, lstat, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../../core/user-error.ts';
import type { DriverIO } from '../driver.ts';
import { type LoggedRun, runLogged } from '../run-logged.ts';
import { checkLingBuildInput } from './check-ling-build-input.ts';
import { parseDomainConfig } from './domain-config.ts';
import { hashFile } from './hash-file.ts';
import type { LingBuilder, LingBuildInput, LingImage } from './ling-types.ts';

/** Least memory (MiB) voxoz asks a LING domain for. @defaultValue 32 */
export const MIN_LING_MEMORY = 32;
/** In `command`, this token becomes the scratch folder railing runs in (for a container's bind mount). */
export const DIR_TOKEN = '{dir}';
/** Last lines of railing's output quoted when it fails. @defaultValue 30 */
const MAX_ERROR_LINES = 30;

/** Runs one program with an argument array; `runLogged` in production, a double in the unit tests. */
export type ProgramRunner = (program: string, args: string[], opts: { cwd: string; io: DriverIO }) => Promise<LoggedRun>;

export interface RailingBuilderOptions {
  /** How railing is started, as an argv prefix: `['railing']`, or `['docker', 'run', '--rm', '-v', '{dir}:/app', '-w', '/app', 'ling-builder', 'railing']`. */
  command: readonly string[];
  /** @defaultValue runLogged */
  run?: ProgramRunner;
}

/**
 * railing's command line for one build: `railing image -n <name> -m <memory> [-x <prefix>]… [-e <extra>]`,
 * after the configured command, with `{dir}` replaced. Each value is one argv element (railing's
 * getopt takes the next element as a string option's value, even one starting with `-`).
 */
export function railingArgv(
  command: readonly string[],
  input: Pick<LingBuildInput, 'name' | 'memory' | 'extra' | 'exclude'>,
  dir: string,
): string[] {
  return [
    ...command.map((t) => t.replaceAll(DIR_TOKEN, dir)),
    'image',
    '-n',
    input.name,
    '-m',
    String(input.memory),
    ...input.exclude.flatMap((x) => ['-x', x]),
    ...(input.extra ? ['-e', input.extra] : []),
  ];
}

/**
 * LING's own builder (cloudozer/ling, `railing image`), run as the configured command in a
 * scratch copy of the app (`<outDir>/railing-work`, removed afterwards; symbolic links are not
 * copied). railing writes `<name>.img`, a Xen PV kernel holding LING and the app, and a
 * `domain_config` whose `extra` is the LING command line (railing adds `-home /<name>` and
 * `-pz` for each ebin folder). The image is moved to `<outDir>/<name>.img`.
 */
export function createRailingBuilder(opts: RailingBuilderOptions): LingBuilder {
  if (!opts.command.length) throw new Error('railing builder: command is empty');
  const run = opts.run ?? runLogged;
  return {
    name: 'railing',
    async build(input: LingBuildInput): Promise<LingImage> {
      const { io } = input;
      checkLingBuildInput(input, MIN_LING_MEMORY);
      const work = join(input.outDir, 'railing-work');
      await rm(work, { recursive: true, force: true });
      await mkdir(input.outDir, { recursive: true });
      // the copy leaves out symbolic links (they could pull host files into the image) and .git
      const copyable = async (src: string) => basename(src) !== '.git' && !(await lstat(src)).isSymbolicLink();
      await cp(input.sourceDir, work, { recursive: true, filter: copyable });
      try {
        const [program, ...args] = railingArgv(opts.command, input, work) as [string, ...string[]];
        const res = await run(program, args, { cwd: work, io });
        if (res.code !== 0) {
          const tail = res.stdout.trim().split('\n').slice(-MAX_ERROR_LINES).join('\n');
          throw new UserError('ling_build_failed', `railing image failed (exit status ${res.code})${tail ? `:\n${tail}` : ''}`);
        }
        const text = await readFile(join(work, 'domain_config'), 'utf8').catch(() => {
          throw new Error('railing finished but wrote no domain_config');
        });
        const parsed = parseDomainConfig(text, { relativeKernel: true });
        if (!parsed.ok) throw new Error(`railing's domain_config: ${parsed.problems.join('; ')}`);
        const { config } = parsed;
        if (config.name !== input.name || config.kernel !== `${input.name}.img`) {
          throw new Error(`railing's domain_config names ${config.name} / ${config.kernel}, expected ${input.name} / ${input.name}.img`);
        }
        const imagePath = join(input.outDir, `${input.name}.img`);
        await rename(join(work, config.kernel), imagePath);
        const sha256 = await hashFile(imagePath);
        io.log(`image: ${imagePath}, sha256 ${sha256}; extra "${config.extra}", memory ${config.memory} MiB`);
        return { builder: 'railing', imagePath, sha256, extra: config.extra, memory: config.memory };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}
