import { userInfo } from 'node:os';
import { type Posted, say } from '../adapters/local/say-client.ts';
import { localTokenFile, readLocalToken } from '../adapters/local/local-token.ts';
import { auditCli } from './audit/audit-cli.ts';
import { cliArgsProblem } from './cli-args.ts';
import { workersCli } from './jobs/workers-cli.ts';
import { describeReload, type ReloadResult } from './lifecycle/reload-config.ts';
import { ConfigError } from './config/load-config.ts';
import { closestWord } from './dispatch/closest-word.ts';
import { readSettings, SettingsError } from './config/read-settings.ts';
import { startVoxoz } from './main.ts';
import { createLogger, defaultLogFormat } from './observability/logger.ts';
import { hasControllingTerminal, ignoreClosedOutput, sighupMeaning } from './lifecycle/terminal.ts';

const USAGE = `usage:
  voxoz start                 run voxoz (chat adapters, relay and workers)
  voxoz worker                run only workers (on another machine; needs REDIS_URL)
  voxoz worker --list         list the workers alive: what each reaches and what it runs
  voxoz say "<command>"       send a command to a running voxoz and follow its thread
        [--user NAME] [--url http://127.0.0.1:PORT]
  voxoz reload                re-read voxoz.yml in the running voxoz (same as SIGHUP)
  voxoz audit export          print the audit trail as JSON lines, oldest first
  voxoz audit verify          check the audit trail's chain of MACs and its head; exit 1 on tampering

Ctrl-C (SIGINT), SIGTERM or closing its terminal stops voxoz in order: running jobs finish, then
its services stop.
A second one cancels the running jobs (they roll back); a third leaves the services running.`;

/** The commands USAGE lists (a mistyped one is answered with the nearest). */
const CLI_VERBS = ['start', 'worker', 'say', 'reload', 'audit'];

/** Signals closer together than this are one signal. @defaultValue 1000 ms */
const SIGNAL_DEBOUNCE_MS = 1000;

async function serve(mode: 'all' | 'worker'): Promise<void> {
  const settings = readSettings(process.env);
  if (mode === 'worker' && !settings.redisUrl)
    throw new SettingsError(['REDIS_URL must point at the Redis that the bot process uses when running "voxoz worker"']);
  const log = createLogger(settings.logLevel, { proc: mode }, undefined, settings.logFormat ?? defaultLogFormat());
  const startedOnTerminal = hasControllingTerminal();
  ignoreClosedOutput();
  const voxoz = await startVoxoz(settings, process.env, log, mode);
  // A stray rejection is a bug to log, not a reason to drop every running deploy.
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { err }));
  let signals = 0;
  let lastSignal = 0;
  const stop = (signal: string) => {
    // One Ctrl-C under `npm start` arrives twice: from the terminal to the whole group, and
    // forwarded by npm. Signals within a second of the last one count as that one.
    if (Date.now() - lastSignal < SIGNAL_DEBOUNCE_MS) return;
    lastSignal = Date.now();
    signals += 1;
    if (signals === 1) {
      log.info('stopping: running jobs finish, then the services stop (again to cancel running jobs)', { signal });
      voxoz.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    } else if (signals === 2) {
      log.warn('cancelling running jobs; they roll back (again to leave the services running and exit)', { signal });
      voxoz.abortJobs();
    } else {
      log.warn('exiting now; the services keep running and the next start adopts them', { signal });
      voxoz.abandonServices();
      process.exit(1);
    }
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => {
    // Closing the terminal voxoz runs in stops it in order, as Ctrl-C does; it must not leave
    // its services running with no one to stop them. Any other SIGHUP re-reads voxoz.yml.
    if (sighupMeaning(startedOnTerminal, hasControllingTerminal()) === 'hangup') {
      log.warn('the terminal closed', { signal: 'SIGHUP' });
      stop('SIGHUP');
    } else voxoz.reload();
  });
  // Only now say it is running: whoever reads this line may signal at once, and a signal that
  // came before the handlers would kill voxoz outright and leave its services to be adopted.
  if (voxoz.port !== undefined && voxoz.localToken) {
    const url = `http://${settings.host}:${voxoz.port}/`;
    process.stdout.write(`voxoz is running: ${url}?token=${voxoz.localToken}  (try: npx voxoz say "help")\n`);
  }
}

/** `voxoz reload`: asks the running voxoz to re-read voxoz.yml and prints what it said. */
async function reloadRunning(url: string, token: string | undefined): Promise<number> {
  const res = await fetch(new URL('/local/reload', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? ''}` },
    body: '{}',
  }).catch((err: Error) => {
    throw new Error(
      `voxoz is not answering at ${url} (${err.cause instanceof Error ? err.cause.message : err.message}); start it with "npm start"`,
    );
  });
  const body = (await res.json()) as ReloadResult | { error: string };
  if ('error' in body) throw new Error(`voxoz refused: ${body.error}`);
  process.stdout.write(`${describeReload(body)}\n`);
  return body.ok ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  // Words a command does not take are refused before anything starts (`voxoz worker --lst` would start a worker).
  const problem = verb === undefined ? undefined : cliArgsProblem(verb, rest);
  if (problem) {
    process.stderr.write(`${problem}\n\n${USAGE}\n`);
    return 2;
  }
  if (verb === 'worker' && rest[0] === '--list') return workersCli(readSettings(process.env), (t) => process.stdout.write(t));
  if (verb === 'start' || verb === 'worker') {
    await serve(verb === 'start' ? 'all' : 'worker');
    return -1;
  }
  // A reader that stops early (`voxoz say … | head`) closes the pipe: that ends the output quietly, not in a crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
  if (verb === 'audit') return auditCli(rest[0], readSettings(process.env), (t) => process.stdout.write(t));
  // `voxoz say --help` is this usage (as `voxoz --help`); `voxoz say "deploy --help"` asks voxoz.
  const sayFlag = (w: string | undefined) => w === '--user' || w === '--url';
  const sayWords = rest.filter((w, i) => !sayFlag(w) && !sayFlag(rest[i - 1]));
  if (verb === 'say' && sayWords.length === 1 && (sayWords[0] === '--help' || sayWords[0] === '-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const dataDir = process.env.VOXOZ_DATA_DIR ?? '.voxoz';
  const token = process.env.VOXOZ_TOKEN ?? readLocalToken(dataDir);
  // Without the token every request is refused: say where it was looked for, and how to point at it.
  if (!token && (verb === 'reload' || (verb === 'say' && rest.length > 0)))
    throw new Error(
      `no local API token at ${localTokenFile(dataDir)}: voxoz makes it there when it starts. Run "voxoz ${verb}" in the folder voxoz runs in, or set VOXOZ_DATA_DIR to its data folder (or VOXOZ_TOKEN to the token)`,
    );
  if (verb === 'reload') return reloadRunning(process.env.VOXOZ_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`, token);
  if (verb === 'say') {
    let user = process.env.VOXOZ_USER ?? userInfo().username.replace(/[^A-Za-z0-9._-]/g, '') ?? 'me';
    let url = process.env.VOXOZ_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
    const words: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--user') user = rest[++i] ?? user;
      else if (rest[i] === '--url') url = rest[++i] ?? url;
      else words.push(rest[i]!);
    }
    if (words.length === 0) {
      process.stderr.write(`voxoz say: give the command to send, e.g. voxoz say "status hello"\n\n${USAGE}\n`);
      return 2;
    }
    // Ctrl-C stops following, not the job: say so, and how to stop the job too.
    let posted: Posted | undefined;
    process.once('SIGINT', () => {
      const goesOn = posted?.approval
        ? `approval ${posted.approval} still waits for a decision in voxoz; voxoz say "reject ${posted.approval}" withdraws it`
        : posted?.job
          ? `job ${posted.job} goes on in voxoz; voxoz say "cancel ${posted.job}" stops it`
          : 'what it asked for goes on in voxoz';
      process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[2K' : ''}voxoz say: stopped following; ${goesOn}\n`);
      process.exit(130);
    });
    return say({
      onPosted: (p) => {
        posted = p;
      },
      baseUrl: url,
      token,
      user: user || 'me',
      text: words.join(' '),
      write: (t) => process.stdout.write(t),
      // Progress on stderr, so what stdout gets (the thread) stays clean for a pipe.
      progress: { write: (t) => process.stderr.write(t), tty: Boolean(process.stderr.isTTY) },
    });
  }
  // Asked for, the usage is the answer (stdout); after a mistake, it follows what was wrong (stderr).
  if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const near = closestWord(verb, CLI_VERBS);
  process.stderr.write(
    `voxoz: unknown command ${JSON.stringify(verb.slice(0, 40))}${near ? `; did you mean "${near}"?` : ''}\n\n${USAGE}\n`,
  );
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof SettingsError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`voxoz: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
