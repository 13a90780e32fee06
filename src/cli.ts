import { userInfo } from 'node:os';
import { say } from '../adapters/local/say-client.ts';
import { ConfigError } from './config/load-config.ts';
import { readSettings, SettingsError } from './config/read-settings.ts';
import { startVoxoz } from './main.ts';
import { createLogger } from './observability/logger.ts';

const USAGE = `usage:
  voxoz start                 run voxoz (chat adapters, relay and workers)
  voxoz worker                run only workers (on another machine; needs REDIS_URL)
  voxoz say "<command>"       send a command to a running voxoz and follow its thread
        [--user NAME] [--url http://127.0.0.1:PORT]`;

async function serve(mode: 'all' | 'worker'): Promise<void> {
  const settings = readSettings(process.env);
  if (mode === 'worker' && !settings.redisUrl) throw new SettingsError(['REDIS_URL must point at the Redis that the bot process uses when running "voxoz worker"']);
  const log = createLogger(settings.logLevel, { proc: mode });
  const voxoz = await startVoxoz(settings, process.env, log, mode);
  if (voxoz.port !== undefined) process.stdout.write(`voxoz is running: http://${settings.host}:${voxoz.port}/  (try: npx voxoz say "help")\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    voxoz.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === 'start' || verb === 'worker') {
    await serve(verb === 'start' ? 'all' : 'worker');
    return -1;
  }
  if (verb === 'say') {
    let user = process.env.VOXOZ_USER ?? userInfo().username.replace(/[^A-Za-z0-9._-]/g, '') ?? 'me';
    let url = process.env.VOXOZ_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
    const words: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--user') user = rest[++i] ?? user;
      else if (rest[i] === '--url') url = rest[++i] ?? url;
      else words.push(rest[i]!);
    }
    if (words.length === 0) { process.stderr.write(`${USAGE}\n`); return 2; }
    return say({ baseUrl: url, user: user || 'me', text: words.join(' '), write: (t) => process.stdout.write(t) });
  }
  process.stderr.write(`${USAGE}\n`);
  return verb === undefined || verb === 'help' || verb === '--help' ? 0 : 2;
}

main(process.argv.slice(2)).then((code) => { if (code >= 0) process.exit(code); }, (err: unknown) => {
  if (err instanceof ConfigError || err instanceof SettingsError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`voxoz: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
