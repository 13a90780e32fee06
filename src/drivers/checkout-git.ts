import { UserError } from '../core/user-error.ts';
import { displayUrl } from '../observability/display-url.ts';
import type { DriverIO } from './driver.ts';
import { runLogged, whichProgram } from './run-logged.ts';
import { withTimeLimit } from './with-time-limit.ts';

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false', LC_ALL: 'C' };
/** Never let a URL pick a transport that runs commands. */
const SAFE = ['-c', 'protocol.ext.allow=never', '-c', 'core.hooksPath=/dev/null'];

/**
 * Clones `url` into the empty directory `dir` and checks out `ref`, logging every git step.
 * `url` comes from the validated config and `ref` from a validated argument; both are passed
 * as separate arguments after `--` / `--end-of-options`, never through a shell. The URL is
 * shown without its userinfo (a token in it never reaches the log or an error). Clone and
 * checkout together get `timeoutSeconds`; past it git is killed and a UserError names the
 * limit (the caller removes `dir`). Returns the commit sha.
 */
export function checkoutGit(url: string, ref: string, dir: string, io: DriverIO, timeoutSeconds = 300): Promise<string> {
  const limitError = () =>
    new UserError(
      'clone_timeout',
      `git did not finish cloning ${displayUrl(url)} within ${timeoutSeconds} s (apps[].build.cloneTimeoutSeconds); check that the server answers, or raise the limit in voxoz.yml`,
    );
  return withTimeLimit(io, timeoutSeconds, limitError, (gitIo) => cloneAndCheckout(url, ref, dir, gitIo));
}

async function cloneAndCheckout(url: string, ref: string, dir: string, io: DriverIO): Promise<string> {
  const git = whichProgram('git');
  const run = (args: string[], quietStdout = false) => runLogged(git, [...SAFE, ...args], { cwd: dir, io, env: GIT_ENV, quietStdout });
  const clone = await run(['clone', '--no-checkout', '--', url, '.']);
  if (clone.code !== 0)
    throw new UserError(
      'git_clone_failed',
      `git could not clone ${displayUrl(url)} (exit status ${clone.code}); check the URL and that voxoz can read it`,
    );
  let sha: string | undefined;
  for (const candidate of [`refs/remotes/origin/${ref}`, `refs/tags/${ref}`, ref]) {
    const parsed = await run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${candidate}^{commit}`], true);
    const out = parsed.stdout.trim();
    if (parsed.code === 0 && /^[0-9a-f]{40,64}$/.test(out)) {
      sha = out;
      break;
    }
  }
  if (!sha) throw new UserError('ref_not_found', `"${ref}" is not a branch, tag or commit in ${displayUrl(url)}`);
  const checkout = await run(['checkout', '--quiet', '--detach', sha]);
  if (checkout.code !== 0) throw new Error(`git checkout of ${sha} failed with exit status ${checkout.code}`);
  io.log(`checked out ${ref} at ${sha.slice(0, 12)}`);
  return sha;
}
