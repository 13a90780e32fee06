import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * xen/voxoz-xl, the forced command on a Xen host, run for real (its own shebang, as sshd runs it)
 * against temp folders and test/fixtures/xl/fake-xl, which answers like Xen 4.17's xl (its output
 * is checked byte for byte against real xl output below) and records every argv it gets.
 * test/fixtures/xl/xl-*.txt are verbatim output of the xenlab run (shared/xenlab/NOTES.md, Xen
 * 4.17.7): `xl list`, `xl list -l tiny`, and the lines of `xl info` that run grepped.
 */
const WRAPPER = resolve(import.meta.dirname, '../../xen/voxoz-xl');
const FIXTURES = resolve(import.meta.dirname, '../fixtures/xl');
const ALLOWED =
  'allowed: put-image <sha256>, put-config <name>, create <name>, destroy <name>, list [name], info, console-tail <name> [lines]';

interface Lab {
  dir: string;
  images: string;
  configs: string;
  consoles: string;
  xl: string;
  conf: string;
  kernel: string;
  ramdisk: string;
}
interface Call {
  argv: string[];
  parent: string[];
  stdinIsDevNull: boolean;
}
interface Domain {
  name: string;
  domid: number;
  mem: number;
  vcpus: number;
  state: string;
  time: number;
  [key: string]: unknown;
}
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// The domains of NOTES.md's real run: Domain-0 and `tiny` just after `xl create tiny.cfg`.
const NOTES_DOMAINS: Domain[] = [
  { name: 'Domain-0', domid: 0, mem: 1024, vcpus: 2, state: 'r-----', time: 135.0 },
  {
    name: 'tiny',
    domid: 1,
    mem: 128,
    vcpus: 1,
    state: '-b----',
    time: 9.1,
    uuid: '3b3f1773-8324-4e76-9cec-4d6b37c60437',
    kernel: '/var/lib/xenlab/domu-vmlinux',
    cmdline: 'console=hvc0 loglevel=4',
    ramdisk: '/var/lib/xenlab/domu-initrd.gz',
    on_crash: 'preserve',
    on_reboot: 'restart',
  },
];

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

function makeLab(extraConf = ''): Lab {
  const dir = mkdtempSync(join(tmpdir(), 'voxoz-xl-'));
  const lab: Lab = {
    dir,
    images: join(dir, 'images'),
    configs: join(dir, 'configs'),
    consoles: join(dir, 'console'),
    xl: join(dir, 'bin', 'xl'),
    conf: join(dir, 'voxoz-xl.conf'),
    kernel: '',
    ramdisk: '',
  };
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(FIXTURES, 'fake-xl'), lab.xl);
  chmodSync(lab.xl, 0o755);
  copyFileSync(join(FIXTURES, 'xl-info-excerpt.txt'), join(dir, 'bin', 'xl-info.txt'));
  setState(lab, { next_domid: 2, domains: NOTES_DOMAINS });
  writeFileSync(
    lab.conf,
    `# test settings\nimages = ${lab.images}\nconfigs = ${lab.configs}\nconsoles = ${lab.consoles}\nxl = ${lab.xl}\nlog = ${lab.conf}.log\n${extraConf}`,
    { mode: 0o644 },
  );
  // Two images already on the host (as put-image leaves them), for the configs to name.
  mkdirSync(lab.images);
  lab.kernel = join(lab.images, sha256('kernel'));
  lab.ramdisk = join(lab.images, sha256('ramdisk'));
  writeFileSync(lab.kernel, 'kernel');
  writeFileSync(lab.ramdisk, 'ramdisk');
  return lab;
}

function setState(lab: Lab, state: { next_domid: number; domains: Domain[]; fail?: Record<string, { code: number; stderr?: string }> }) {
  writeFileSync(join(lab.dir, 'bin', 'state.json'), JSON.stringify(state));
}
const domains = (lab: Lab): Domain[] => JSON.parse(readFileSync(join(lab.dir, 'bin', 'state.json'), 'utf8')).domains;
function calls(lab: Lab): Call[] {
  const path = join(lab.dir, 'bin', 'calls.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Call);
}
const argvs = (lab: Lab) => calls(lab).map((c) => c.argv);

/** Runs the wrapper: `argv` as voxoz's local transport does, or `ssh` as SSH_ORIGINAL_COMMAND (argv then empty, as under sshd). */
function run(lab: Lab, args: { argv?: string[]; ssh?: string; stdin?: string | Buffer; env?: Record<string, string> }): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', VOXOZ_XL_CONF: lab.conf, ...args.env };
  if (args.ssh !== undefined) env.SSH_ORIGINAL_COMMAND = args.ssh;
  return new Promise((done, fail) => {
    const child = spawn(WRAPPER, args.argv ?? [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // A refusal may exit before reading all of stdin.
    child.stdin.on('error', () => undefined);
    child.stdin.end(args.stdin ?? '');
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** What voxoz would send: every key the grammar allows, comments and both quote styles. */
function goodConfig(lab: Lab, name = 'web-1'): string {
  return [
    '# web v1, instance 1',
    `name = "${name}"`,
    'type = "pv"',
    `kernel = "${lab.kernel}"`,
    `ramdisk = '${lab.ramdisk}'`,
    `extra = "-s hello start -home '/app' voxoz.fence=f00d"`,
    'memory = 128',
    'maxmem = 256',
    'vcpus = 1',
    'on_crash = "preserve"   # keep a crashed domain for its console',
    'on_poweroff = "destroy"',
    'on_reboot = "restart"',
    `vif = [ 'bridge=xenbr0', "bridge=br_lab-2" ]`,
    '',
  ].join('\n');
}

const labs: Lab[] = [];
let lab: Lab;
beforeEach(() => {
  lab = makeLab();
  labs.push(lab);
});
afterEach(() => {
  for (const l of labs.splice(0)) rmSync(l.dir, { recursive: true, force: true });
});

describe('the fake xl', () => {
  it('prints what a real Xen 4.17.7 host printed for the same domains (xl list, xl list -l tiny)', async () => {
    const xl = (argv: string[]) =>
      new Promise<string>((done) => {
        const child = spawn(lab.xl, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
        const out: Buffer[] = [];
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.on('close', () => done(Buffer.concat(out).toString('utf8')));
      });
    expect(await xl(['list'])).toBe(fixture('xl-list.txt'));
    expect(await xl(['list', '-l', 'tiny'])).toBe(fixture('xl-list-l-tiny.txt'));
  });
});

describe('put-image', () => {
  it('stores an image under its sha256 (mode 644) and answers "present" next time, reading the upload to its end', async () => {
    const image = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const sha = sha256(image);
    const first = await run(lab, { ssh: `put-image ${sha}`, stdin: image });
    expect(first).toEqual({ code: 0, stdout: `stored ${sha}\n`, stderr: '' });
    expect(readFileSync(join(lab.images, sha)).equals(image)).toBe(true);
    expect(statSync(join(lab.images, sha)).mode & 0o777).toBe(0o644);
    const again = await run(lab, { argv: ['put-image', sha], stdin: image });
    expect(again).toEqual({ code: 0, stdout: `present ${sha}\n`, stderr: '' });
    expect(readdirSync(lab.images).sort()).toEqual([sha, sha256('kernel'), sha256('ramdisk')].sort());
    expect(calls(lab)).toEqual([]);
  });

  it('refuses an image whose bytes do not hash to the name it was sent under, and keeps nothing of it', async () => {
    const claimed = sha256('what voxoz built');
    const r = await run(lab, { ssh: `put-image ${claimed}`, stdin: 'something else' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`voxoz-xl: refused: the image's sha256 is ${sha256('something else')}, not ${claimed}\n`);
    expect(readdirSync(lab.images).sort()).toEqual([sha256('kernel'), sha256('ramdisk')].sort());
  });

  it('clears uploads cut off a day ago or more, and leaves a running one alone', async () => {
    const old = join(lab.images, '.tmp-killed');
    const running = join(lab.images, '.tmp-running');
    writeFileSync(old, 'half');
    writeFileSync(running, 'half');
    utimesSync(old, new Date(Date.now() - 25 * 3600_000), new Date(Date.now() - 25 * 3600_000));
    expect((await run(lab, { ssh: `put-image ${sha256('new')}`, stdin: 'new' })).code).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(running)).toBe(true);
  });

  it('refuses an image over the size cap (max_image_bytes) without keeping any of it', async () => {
    const small = makeLab('max_image_bytes = 1024\n');
    labs.push(small);
    const image = Buffer.alloc(4096, 1);
    const r = await run(small, { ssh: `put-image ${sha256(image)}`, stdin: image });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('voxoz-xl: refused: the image is larger than 1024 bytes\n');
    expect(readdirSync(small.images).sort()).toEqual([sha256('kernel'), sha256('ramdisk')].sort());
  });
});

describe('the log on the host', () => {
  it('has one line per command, done or refused, escaped', async () => {
    const before = existsSync(`${lab.conf}.log`) ? readFileSync(`${lab.conf}.log`, 'utf8').split('\n').length : 1;
    expect((await run(lab, { ssh: 'info' })).code).toBe(0);
    expect((await run(lab, { ssh: 'bash -c id;\nreboot' })).code).toBe(2);
    const lines = readFileSync(`${lab.conf}.log`, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(before - 1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ exit=0 info$/);
    expect(lines[1]).toMatch(/ exit=2 bash -c id;\\nreboot$/);
  });
});

describe('put-config', () => {
  it('checks the config and writes it in canonical form (only the checked keys, comments dropped)', async () => {
    const r = await run(lab, { ssh: 'put-config web-1', stdin: goodConfig(lab) });
    expect(r).toEqual({ code: 0, stdout: 'stored web-1.cfg\n', stderr: '' });
    expect(readFileSync(join(lab.configs, 'web-1.cfg'), 'utf8')).toBe(
      [
        '# written by voxoz-xl put-config',
        'name = "web-1"',
        'type = "pv"',
        `kernel = "${lab.kernel}"`,
        `ramdisk = "${lab.ramdisk}"`,
        `extra = "-s hello start -home '/app' voxoz.fence=f00d"`,
        'memory = 128',
        'maxmem = 256',
        'vcpus = 1',
        'on_poweroff = "destroy"',
        'on_reboot = "restart"',
        'on_crash = "preserve"',
        "vif = [ 'bridge=xenbr0', 'bridge=br_lab-2' ]",
        '',
      ].join('\n'),
    );
    expect(readdirSync(lab.configs)).toEqual(['web-1.cfg']);
    expect(calls(lab)).toEqual([]);
  });

  it('takes the minimal config voxoz renders (no type, vif list without spaces) and adds type = "pv"', async () => {
    const text = `name = "web-2"\nkernel = "${lab.kernel}"\nextra = "x"\nmemory = 64\nvif = ["bridge=xenbr0"]\n`;
    expect((await run(lab, { argv: ['put-config', 'web-2'], stdin: text })).code).toBe(0);
    expect(readFileSync(join(lab.configs, 'web-2.cfg'), 'utf8')).toBe(
      `# written by voxoz-xl put-config\nname = "web-2"\ntype = "pv"\nkernel = "${lab.kernel}"\nextra = "x"\nmemory = 64\nvif = [ 'bridge=xenbr0' ]\n`,
    );
  });

  const replace = (text: string, from: RegExp, to: string) => {
    if (!from.test(text)) throw new Error(`no ${from} in the config`);
    return text.replace(from, to);
  };
  // Line numbers are those of goodConfig: name on 2, type 3, kernel 4, ramdisk 5, extra 6, memory 7, maxmem 8, vcpus 9.
  const bad: Array<{ label: string; edit: (text: string, l: Lab) => string; why: string | RegExp }> = [
    {
      label: 'unknown key',
      edit: (t) => `${t}disk = [ "target=/root/d.img" ]\n`,
      why: /^config line 14, key "disk": unknown key; allowed: name, type,/,
    },
    {
      label: 'unknown key that xl would run (bootloader)',
      edit: (t) => `${t}bootloader = "/tmp/evil"\n`,
      why: /config line 14, key "bootloader": unknown key/,
    },
    { label: 'duplicate key', edit: (t) => `${t}memory = 256\n`, why: 'config line 14, key "memory": duplicate (first on line 7)' },
    {
      label: 'kernel outside the images dir',
      edit: (t) => replace(t, /^kernel = .*$/m, 'kernel = "/etc/passwd"'),
      why: /^config line 4, key "kernel": '\/etc\/passwd' is not .*\/images\/<sha256>$/,
    },
    {
      label: 'kernel climbing out with ..',
      edit: (t, l) => replace(t, /^kernel = .*$/m, `kernel = "${l.images}/../images/${sha256('kernel')}"`),
      why: /^config line 4, key "kernel": '.*\/images\/\.\.\/images\/[0-9a-f]{64}' is not /,
    },
    {
      label: 'kernel image not uploaded',
      edit: (t, l) => replace(t, /^kernel = .*$/m, `kernel = "${l.images}/${sha256('never sent')}"`),
      why: `config line 4, key "kernel": image ${sha256('never sent')} is not on this host (put-image it first)`,
    },
    {
      label: 'ramdisk outside the images dir',
      edit: (t) => replace(t, /^ramdisk = .*$/m, "ramdisk = '/boot/initrd.img'"),
      why: /^config line 5, key "ramdisk": '\/boot\/initrd.img' is not /,
    },
    {
      label: 'name mismatch',
      edit: (t) => replace(t, /^name = .*$/m, 'name = "db-1"'),
      why: `config line 2, key "name": 'db-1' is not the config's name 'web-1'`,
    },
    {
      label: 'extra with a double quote',
      edit: (t) => replace(t, /^extra = .*$/m, 'extra = "a" b"'),
      why: /^config line 6, key "extra": expected one quoted string/,
    },
    {
      label: 'extra with a " inside single quotes',
      edit: (t) => replace(t, /^extra = .*$/m, `extra = 'say "hi"'`),
      why: 'config line 6, key "extra": a double quote is not allowed in a value',
    },
    {
      label: 'extra with a backslash',
      edit: (t) => replace(t, /^extra = .*$/m, 'extra = "a\\nb"'),
      why: /^config line 6, key "extra": expected one quoted string/,
    },
    {
      label: 'extra over 1024 characters',
      edit: (t) => replace(t, /^extra = .*$/m, `extra = "${'x'.repeat(1025)}"`),
      why: 'config line 6, key "extra": 1025 characters, at most 1024',
    },
    {
      label: 'a second statement after ;',
      edit: (t) => replace(t, /^memory = .*$/m, 'memory = 128; kernel = "/etc/passwd"'),
      why: 'config line 7, key "memory": expected a whole number from 16 to 65536',
    },
    {
      label: 'non-pv type',
      edit: (t) => replace(t, /^type = .*$/m, 'type = "hvm"'),
      why: `config line 3, key "type": 'hvm': only "pv" domains are allowed`,
    },
    {
      label: 'memory too small',
      edit: (t) => replace(t, /^memory = .*$/m, 'memory = 8'),
      why: 'config line 7, key "memory": expected a whole number from 16 to 65536',
    },
    {
      label: 'memory with a leading zero (xl reads 0128 as octal)',
      edit: (t) => replace(t, /^memory = .*$/m, 'memory = 0128'),
      why: /key "memory": expected a whole number/,
    },
    { label: 'memory quoted', edit: (t) => replace(t, /^memory = .*$/m, 'memory = "128"'), why: /key "memory": expected a whole number/ },
    {
      label: 'vcpus 0',
      edit: (t) => replace(t, /^vcpus = .*$/m, 'vcpus = 0'),
      why: 'config line 9, key "vcpus": expected a whole number from 1 to 16',
    },
    {
      label: 'maxmem below memory',
      edit: (t) => replace(t, /^maxmem = .*$/m, 'maxmem = 64'),
      why: 'config line 8, key "maxmem": 64 is less than memory 128',
    },
    {
      label: 'on_crash coredump',
      edit: (t) => replace(t, /^on_crash = .*$/m, 'on_crash = "coredump-restart"'),
      why: /key "on_crash": 'coredump-restart' is not one of destroy, preserve, restart/,
    },
    {
      label: 'vif with a script',
      edit: (t) => replace(t, /^vif = .*$/m, "vif = [ 'bridge=xenbr0,script=/tmp/evil' ]"),
      why: "config line 13, key \"vif\": entry 1, 'bridge=xenbr0, is not 'bridge=<bridge>' (1-15 of a-z 0-9 _ -)",
    },
    {
      label: 'vif with a mac only',
      edit: (t) => replace(t, /^vif = .*$/m, "vif = [ 'mac=00:16:3e:00:00:01' ]"),
      why: "config line 13, key \"vif\": entry 1, 'mac=00:16:3e:00:00:01', is not 'bridge=<bridge>' (1-15 of a-z 0-9 _ -)",
    },
    { label: 'kernel missing', edit: (t) => replace(t, /^kernel = .*\n/m, ''), why: 'config: required key "kernel" is missing' },
    { label: 'name missing', edit: (t) => replace(t, /^name = .*\n/m, ''), why: 'config: required key "name" is missing' },
    { label: 'a line that is not key = value', edit: (t) => `${t}kernel\n`, why: 'config line 14: expected key = value' },
    { label: 'CRLF line ends', edit: (t) => t.replace(/\n/g, '\r\n'), why: /^config line 1: character '\\r' \(0x0d\) is not allowed$/ },
    { label: 'non-ASCII', edit: (t) => replace(t, /^extra = .*$/m, 'extra = "café"'), why: 'config: only ASCII is allowed' },
    { label: 'oversize (over 16 KiB)', edit: (t) => `${'# padding\n'.repeat(1700)}${t}`, why: 'the config is larger than 16384 bytes' },
  ];

  it.each(bad)('refuses $label, naming the line and key, and writes nothing', async ({ edit, why }) => {
    const r = await run(lab, { ssh: 'put-config web-1', stdin: edit(goodConfig(lab), lab) });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const reasons = r.stderr.split('\n').filter(Boolean);
    for (const line of reasons) expect(line).toMatch(/^voxoz-xl: refused: /);
    const texts = reasons.map((line) => line.replace(/^voxoz-xl: refused: /, ''));
    if (typeof why === 'string') expect(texts).toContain(why);
    else
      expect(
        texts.some((t) => why.test(t)),
        `${texts.join('\n')} should match ${why}`,
      ).toBe(true);
    expect(existsSync(join(lab.configs, 'web-1.cfg'))).toBe(false);
    expect(calls(lab)).toEqual([]);
  });

  it('lists every problem of a config at once, one line each', async () => {
    const text = `name = "other"\ntype = "hvm"\nkernel = "/boot/vmlinuz"\nmemory = 99999\nnetwork = "host"\n`;
    const r = await run(lab, { ssh: 'put-config web-1', stdin: text });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `voxoz-xl: refused: config line 1, key "name": 'other' is not the config's name 'web-1'`,
      `voxoz-xl: refused: config line 2, key "type": 'hvm': only "pv" domains are allowed`,
      `voxoz-xl: refused: config line 3, key "kernel": '/boot/vmlinuz' is not ${lab.images}/<sha256>`,
      'voxoz-xl: refused: config line 4, key "memory": expected a whole number from 16 to 65536',
      'voxoz-xl: refused: config line 5, key "network": unknown key; allowed: name, type, kernel, ramdisk, extra, memory, maxmem, vcpus, on_poweroff, on_reboot, on_crash, vif',
    ]);
  });
});

describe('create', () => {
  it('truncates the console log, records the start time and runs xl create on the config, passing xl through', async () => {
    await run(lab, { ssh: 'put-config web-1', stdin: goodConfig(lab) });
    // xenconsoled does not create its log dir; a log from an earlier web-1 is still there.
    mkdirSync(lab.consoles);
    writeFileSync(join(lab.consoles, 'guest-web-1.log'), 'old boot\nold crash\n');
    const before = Date.now() / 1000;
    const r = await run(lab, { ssh: 'create web-1' });
    const after = Date.now() / 1000;
    const cfg = join(lab.configs, 'web-1.cfg');
    expect(r).toEqual({ code: 0, stdout: '', stderr: `Parsing config from ${cfg}\n` });
    expect(readFileSync(join(lab.consoles, 'guest-web-1.log'), 'utf8')).toBe('');
    const started = Number(readFileSync(join(lab.configs, 'web-1.started'), 'utf8'));
    expect(started).toBeGreaterThanOrEqual(before - 0.01);
    expect(started).toBeLessThanOrEqual(after + 0.01);
    expect(argvs(lab)).toEqual([
      ['list', 'web-1'],
      ['create', cfg],
    ]);
    expect(domains(lab).map((d) => [d.name, d.domid, d.kernel, d.cmdline])).toContainEqual([
      'web-1',
      2,
      lab.kernel,
      "-s hello start -home '/app' voxoz.fence=f00d",
    ]);
  });

  it('makes the console log dir when it is missing (xenconsoled would log nothing)', async () => {
    await run(lab, { argv: ['put-config', 'web-1'], stdin: goodConfig(lab) });
    expect(existsSync(lab.consoles)).toBe(false);
    expect((await run(lab, { argv: ['create', 'web-1'] })).code).toBe(0);
    expect(readdirSync(lab.consoles)).toEqual(['guest-web-1.log']);
  });

  it('refuses a name without a config, and runs nothing', async () => {
    const r = await run(lab, { ssh: 'create web-9' });
    expect(r).toEqual({ code: 2, stdout: '', stderr: "voxoz-xl: refused: no config for 'web-9' (put-config it first)\n" });
    expect(calls(lab)).toEqual([]);
    expect(existsSync(lab.consoles)).toBe(false);
  });

  it('refuses a domain that is already running, leaving its console log and start time alone', async () => {
    await run(lab, { ssh: 'put-config web-1', stdin: goodConfig(lab) });
    await run(lab, { ssh: 'create web-1' });
    writeFileSync(join(lab.consoles, 'guest-web-1.log'), 'web ready\n');
    const started = readFileSync(join(lab.configs, 'web-1.started'), 'utf8');
    const r = await run(lab, { ssh: 'create web-1' });
    expect(r).toEqual({ code: 2, stdout: '', stderr: "voxoz-xl: refused: domain 'web-1' is already running (destroy it first)\n" });
    expect(readFileSync(join(lab.consoles, 'guest-web-1.log'), 'utf8')).toBe('web ready\n');
    expect(readFileSync(join(lab.configs, 'web-1.started'), 'utf8')).toBe(started);
  });

  it("passes a failing xl create through with xl's exit code (the negated libxl error) and forgets the start time", async () => {
    await run(lab, { ssh: 'put-config web-1', stdin: goodConfig(lab) });
    const stderr =
      'Parsing config from x.cfg\nlibxl: error: libxl_create.c:720:libxl__domain_make: Domain 2:domain creation fail: Cannot allocate memory\n';
    setState(lab, { next_domid: 2, domains: NOTES_DOMAINS, fail: { create: { code: 3, stderr } } });
    const r = await run(lab, { ssh: 'create web-1' });
    expect(r).toEqual({ code: 3, stdout: '', stderr });
    expect(existsSync(join(lab.configs, 'web-1.started'))).toBe(false);
    expect(existsSync(join(lab.configs, 'web-1.cfg'))).toBe(true);
  });
});

describe('destroy', () => {
  it('destroys a running domain and removes its config and start time', async () => {
    await run(lab, { ssh: 'put-config web-1', stdin: goodConfig(lab) });
    await run(lab, { ssh: 'create web-1' });
    const r = await run(lab, { ssh: 'destroy web-1' });
    expect(r).toEqual({ code: 0, stdout: 'destroyed web-1\n', stderr: '' });
    expect(argvs(lab).slice(-2)).toEqual([
      ['list', 'web-1'],
      ['destroy', 'web-1'],
    ]);
    expect(domains(lab).map((d) => d.name)).toEqual(['Domain-0', 'tiny']);
    expect(readdirSync(lab.configs)).toEqual([]);
  });

  it('answers "absent" for a domain that is gone, still removing its leftover config', async () => {
    await run(lab, { ssh: 'put-config web-1', stdin: goodConfig(lab) });
    const r = await run(lab, { ssh: 'destroy web-1' });
    expect(r).toEqual({ code: 0, stdout: 'absent web-1\n', stderr: '' });
    expect(argvs(lab)).toEqual([['list', 'web-1']]);
    expect(readdirSync(lab.configs)).toEqual([]);
  });

  it('takes a domain that dies between xl list and xl destroy for absent', async () => {
    await run(lab, { ssh: 'put-config web-1', stdin: goodConfig(lab) });
    await run(lab, { ssh: 'create web-1' });
    const state = { next_domid: 3, domains: domains(lab) };
    setState(lab, { ...state, fail: { destroy: { code: 1, stderr: 'web-1 is an invalid domain identifier (rc=-6)\n' } } });
    expect(await run(lab, { ssh: 'destroy web-1' })).toEqual({ code: 0, stdout: 'absent web-1\n', stderr: '' });
    expect(readdirSync(lab.configs)).toEqual([]);
  });

  it("passes xl destroy's failure through and keeps the config for another try", async () => {
    await run(lab, { ssh: 'put-config web-1', stdin: goodConfig(lab) });
    await run(lab, { ssh: 'create web-1' });
    const state = { next_domid: 3, domains: domains(lab) };
    setState(lab, { ...state, fail: { destroy: { code: 1, stderr: 'destroy failed (rc=-3)\n' } } });
    expect(await run(lab, { ssh: 'destroy web-1' })).toEqual({ code: 1, stdout: '', stderr: 'destroy failed (rc=-3)\n' });
    expect(readdirSync(lab.configs).sort()).toEqual(['web-1.cfg', 'web-1.started']);
  });
});

describe('list', () => {
  it('prints xl list raw, xl list -l parsed, the start times and the configs (including one whose domain is gone)', async () => {
    await run(lab, { ssh: 'put-config web-1', stdin: goodConfig(lab) });
    await run(lab, { ssh: 'create web-1' });
    await run(lab, { ssh: 'put-config web-2', stdin: goodConfig(lab, 'web-2') });
    const r = await run(lab, { ssh: 'list' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['list', 'long', 'started', 'configs']);
    expect(out.list).toBe(`${fixture('xl-list.txt')}web-1                                        2   128     1     -b----       0.1\n`);
    expect(
      out.long.map((d: { domid: number; config: { c_info: { name: string; domid?: number } } }) => [d.domid, d.config.c_info.name]),
    ).toEqual([
      [0, 'Domain-0'],
      [1, 'tiny'],
      [2, 'web-1'],
    ]);
    expect(out.long[2].config.c_info.domid).toBe(4294967295);
    expect(out.long[2].config.b_info.claim_mode).toBe('True');
    expect(Object.keys(out.started)).toEqual(['web-1']);
    expect(typeof out.started['web-1']).toBe('number');
    expect(out.configs).toEqual(['web-1', 'web-2']);
    expect(argvs(lab).slice(-2)).toEqual([['list'], ['list', '-l']]);
  });

  it('narrows to one name; a name no domain has is an empty list, not an error', async () => {
    const tiny = JSON.parse((await run(lab, { ssh: 'list tiny' })).stdout);
    expect(tiny.list).toBe(
      fixture('xl-list.txt')
        .split('\n')
        .filter((l) => !l.startsWith('Domain-0'))
        .join('\n'),
    );
    expect(tiny.long).toEqual(JSON.parse(fixture('xl-list-l-tiny.txt')));
    const none = await run(lab, { ssh: 'list web-7' });
    expect(none.code).toBe(0);
    expect(none.stderr).toBe('');
    expect(JSON.parse(none.stdout)).toEqual({ list: '', long: [], started: {}, configs: [] });
    expect(argvs(lab)).toEqual([
      ['list', 'tiny'],
      ['list', '-l', 'tiny'],
      ['list', 'web-7'],
    ]);
  });

  it("passes xl's own failure through (not in dom0 / not root: no privcmd)", async () => {
    const stderr =
      'xencall: error: Could not obtain handle on privileged command interface: No such file or directory\nlibxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: No such file or directory\ncannot init xl context\n';
    setState(lab, { next_domid: 2, domains: NOTES_DOMAINS, fail: { list: { code: 1, stderr } } });
    expect(await run(lab, { ssh: 'list' })).toEqual({ code: 1, stdout: '', stderr });
    expect(await run(lab, { ssh: 'list tiny' })).toEqual({ code: 1, stdout: '', stderr });
  });
});

describe('info and console-tail', () => {
  it('info: xl info raw and the images on the host (not half-written uploads)', async () => {
    writeFileSync(join(lab.images, '.tmp-abc123'), 'half an upload');
    const r = await run(lab, { ssh: 'info' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      xl_info: fixture('xl-info-excerpt.txt'),
      images: [sha256('kernel'), sha256('ramdisk')].sort(),
      images_dir: lab.images,
    });
    expect(argvs(lab)).toEqual([['info']]);
  });

  it('console-tail: the last lines of the console log, 200 by default; a missing log is empty', async () => {
    mkdirSync(lab.consoles);
    const lines = Array.from({ length: 250 }, (_, i) => `line ${i + 1}\r`);
    writeFileSync(join(lab.consoles, 'guest-web-1.log'), `${lines.join('\n')}\n`);
    const all = await run(lab, { ssh: 'console-tail web-1' });
    expect(all.code).toBe(0);
    expect(all.stdout).toBe(`${lines.slice(50).join('\n')}\n`);
    expect((await run(lab, { ssh: 'console-tail web-1 3' })).stdout).toBe('line 248\r\nline 249\r\nline 250\r\n');
    writeFileSync(join(lab.consoles, 'guest-web-2.log'), 'booting\nready, no newline yet');
    expect((await run(lab, { argv: ['console-tail', 'web-2', '1'] })).stdout).toBe('ready, no newline yet');
    expect((await run(lab, { argv: ['console-tail', 'web-2', '10000'] })).stdout).toBe('booting\nready, no newline yet');
    expect(await run(lab, { ssh: 'console-tail web-3' })).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(calls(lab)).toEqual([]);
  });
});

describe('refusals', () => {
  const sha = sha256('x');
  const rows: Array<{ label: string; ssh?: string; argv?: string[]; why: string | RegExp }> = [
    { label: 'unknown verb', ssh: 'reboot web-1', why: "unknown verb 'reboot'" },
    { label: 'an sftp subsystem request', ssh: 'sftp', why: "unknown verb 'sftp'" },
    { label: 'scp', ssh: 'scp -t /tmp', why: "character '/' is not allowed" },
    { label: 'xl itself', ssh: 'xl list', why: "unknown verb 'xl'" },
    { label: 'an empty command', ssh: '', why: 'empty command' },
    { label: 'no command at all (a shell request)', argv: [], why: 'no command' },
    { label: 'extra args to create', ssh: 'create web-1 web-2', why: 'create takes 1 argument(s), got 2' },
    { label: 'extra args to info', ssh: 'info web-1', why: 'info takes 0 argument(s), got 1' },
    { label: 'extra args to list', ssh: 'list a b', why: 'list takes 0 to 1 argument(s), got 2' },
    { label: 'extra args to console-tail', ssh: 'console-tail a 1 2', why: 'console-tail takes 1 to 2 argument(s), got 3' },
    { label: 'create without a name', ssh: 'create', why: 'create takes 1 argument(s), got 0' },
    { label: 'a name with ../', ssh: 'create ../../etc/xen/evil', why: "character '.' is not allowed" },
    { label: 'a name with / (argv)', argv: ['put-config', 'a/b'], why: "character '/' is not allowed" },
    { label: 'uppercase', ssh: 'create Web-1', why: "character 'W' is not allowed" },
    { label: 'Domain-0', ssh: 'destroy Domain-0', why: "character 'D' is not allowed" },
    { label: 'an uppercase verb', ssh: 'LIST', why: "character 'L' is not allowed" },
    { label: 'two spaces', ssh: 'create  web-1', why: /a second space in a row/ },
    { label: 'a leading space', ssh: ' list', why: /a second space in a row \(or a leading\/trailing space\)/ },
    { label: 'a trailing space', ssh: 'list ', why: /leading\/trailing space/ },
    { label: 'a space inside an argv token', argv: ['create', 'web 1'], why: /second space|leading\/trailing/ },
    { label: ';', ssh: 'list;reboot', why: "character ';' is not allowed" },
    { label: '&&', ssh: 'list && reboot', why: "character '&' is not allowed" },
    { label: '|', ssh: 'list | sh', why: "character '|' is not allowed" },
    { label: 'single quotes', ssh: "create 'web-1'", why: `character "'" is not allowed` },
    { label: 'double quotes', ssh: 'create "web-1"', why: `character '"' is not allowed` },
    { label: '$(...)', ssh: 'create $(reboot)', why: "character '$' is not allowed" },
    { label: 'backticks', ssh: 'create `reboot`', why: "character '`' is not allowed" },
    { label: 'a backslash', ssh: 'create web\\-1', why: "character '\\\\' (0x5c) is not allowed" },
    { label: 'a newline', ssh: 'list\nreboot', why: "character '\\n' (0x0a) is not allowed" },
    { label: 'a tab', ssh: 'create\tweb-1', why: "character '\\t' (0x09) is not allowed" },
    { label: 'a NUL-free control char', ssh: 'list \u001b[2J', why: "character '\\x1b' (0x1b) is not allowed" },
    { label: 'non-ASCII', ssh: 'create wéb', why: "character '\\xe9' (0xe9) is not allowed" },
    { label: 'an option as the name (xl list -l)', ssh: 'list -l', why: "'-l' is not a domain name" },
    { label: 'an option as the name (destroy -f)', argv: ['destroy', '-f'], why: "'-f' is not a domain name" },
    { label: 'a domid as the name', ssh: 'destroy 0', why: "'0' is all digits, which xl takes for a domain id" },
    { label: 'a 64-character name', ssh: `create ${'a'.repeat(64)}`, why: /is not a domain name/ },
    { label: 'a short sha', ssh: 'put-image abc123', why: "'abc123' is not a sha256 (64 lowercase hex digits)" },
    { label: 'a 65-digit sha', ssh: `put-image ${sha}0`, why: /is not a sha256/ },
    { label: 'an uppercase sha', ssh: `put-image ${sha.toUpperCase()}`, why: /character '[A-F]' is not allowed/ },
    { label: 'a sha that is not hex', ssh: `put-image ${'g'.repeat(64)}`, why: /is not a sha256/ },
    { label: '0 lines', ssh: 'console-tail web-1 0', why: "'0' is not a number of lines from 1 to 10000" },
    { label: '10001 lines', ssh: 'console-tail web-1 10001', why: "'10001' is not a number of lines from 1 to 10000" },
    { label: 'lines that are not a number', ssh: 'console-tail web-1 all', why: /'all' is not a number of lines/ },
    { label: 'a huge token (not echoed back)', ssh: `list ${'a'.repeat(100_000)}`, why: 'a token longer than 100 characters' },
  ];

  it.each(rows)('refuses $label with exit 2 and one line naming the verbs, touching nothing', async ({ ssh, argv, why }) => {
    const r = await run(lab, ssh !== undefined ? { ssh, argv: ['list'] } : { argv: argv ?? [] });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.endsWith(`; ${ALLOWED}\n`)).toBe(true);
    expect(r.stderr.split('\n')).toHaveLength(2);
    const reason = r.stderr.slice('voxoz-xl: refused: '.length, -`; ${ALLOWED}\n`.length);
    expect(r.stderr.startsWith('voxoz-xl: refused: ')).toBe(true);
    if (typeof why === 'string') expect(reason).toContain(why);
    else expect(reason).toMatch(why);
    expect(calls(lab)).toEqual([]);
    expect(existsSync(lab.configs)).toBe(false);
    expect(existsSync(lab.consoles)).toBe(false);
  });

  it('takes SSH_ORIGINAL_COMMAND over argv (under sshd argv is only the forced command)', async () => {
    const r = await run(lab, { ssh: 'info', argv: ['list'] });
    expect(r.code).toBe(0);
    expect(argvs(lab)).toEqual([['info']]);
  });
});

describe('settings and how xl is run', () => {
  it('runs xl with an argv list from the wrapper process itself (no shell), its stdin /dev/null', async () => {
    await run(lab, { ssh: 'put-config web-1', stdin: goodConfig(lab) });
    await run(lab, { ssh: 'create web-1' });
    await run(lab, { ssh: 'list' });
    await run(lab, { argv: ['list', 'web-1'] });
    await run(lab, { ssh: 'info' });
    await run(lab, { ssh: 'destroy web-1' });
    const all = calls(lab);
    expect(all.map((c) => c.argv)).toEqual([
      ['list', 'web-1'],
      ['create', join(lab.configs, 'web-1.cfg')],
      ['list'],
      ['list', '-l'],
      ['list', 'web-1'],
      ['list', '-l', 'web-1'],
      ['info'],
      ['list', 'web-1'],
      ['destroy', 'web-1'],
    ]);
    for (const call of all) {
      // The parent is the interpreter running xen/voxoz-xl (isolated, without site), never sh -c.
      expect(call.parent.slice(0, 3)).toEqual([expect.stringMatching(/python3$/), '-IS', WRAPPER]);
      expect(call.stdinIsDevNull).toBe(true);
    }
  });

  it('refuses to run with settings others can write (they choose which xl runs)', async () => {
    chmodSync(lab.conf, 0o666);
    const r = await run(lab, { ssh: 'info' });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `voxoz-xl: error: ${lab.conf} must be owned by root and writable by its owner only\n`,
    });
    expect(calls(lab)).toEqual([]);
  });

  it('refuses settings it does not know, and relative paths', async () => {
    writeFileSync(lab.conf, `xl = bin/xl\nshell = /bin/sh\n`, { mode: 0o644 });
    const r = await run(lab, { ssh: 'info' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `voxoz-xl: error: ${lab.conf}: line 1: xl must be an absolute path; line 2: expected one of images, configs, consoles, xl, max_image_bytes, log = value\n`,
    );
  });

  it('says so when xl cannot be run', async () => {
    rmSync(lab.xl);
    const r = await run(lab, { ssh: 'info' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^voxoz-xl: error: cannot run .*\/bin\/xl: No such file or directory\n$/);
  });
});
