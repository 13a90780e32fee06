import { describe, expect, it } from 'vitest';
import { lastWords } from '../../src/drivers/ling/last-words.ts';

/** An erlang-pv domain's console after its Erlang VM halted with code 3: the app's lines, then Linux's panic report. */
const HALTED = [
  'hello: OTP 25 (ERTS 13.1.5) on Linux 6.1.0-57-amd64, hypervisor xen, 1 scheduler(s), kernel up 14.20 s, node up 812 ms',
  'hello ready',
  'hello: out of widgets',
  '[   19.577101] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000300',
  '[   19.577210] CPU: 0 PID: 1 Comm: beam.smp Not tainted 6.1.0-57-amd64 #1  Debian 6.1.158-1',
  '[   19.577300] Call Trace:',
  '[   19.577350]  <TASK>',
  ...Array.from({ length: 30 }, (_, i) => `[   19.5804${String(i).padStart(2, '0')}]  ? do_exit+0x${(i * 16).toString(16)}/0xb10`),
  '[   19.582518]  </TASK>',
  '[   19.586761] Kernel Offset: disabled',
];

describe("a stopped LING domain's last words", () => {
  it("are the app's own lines and the VM's exit code, not the kernel's panic report", () => {
    expect(lastWords(HALTED, 15)).toEqual([
      HALTED[0],
      'hello ready',
      'hello: out of widgets',
      "[voxoz] the Erlang VM (the domain's init) exited with code 3; the kernel then stopped the domain",
    ]);
  });

  it('name the signal that killed the VM, and keep the kernel lines that say why', () => {
    const killed = [
      'hello ready',
      '[   40.100000] Out of memory: Killed process 1 (beam.smp) total-vm:2000000kB',
      '[   40.200000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009',
      '[   40.200100] Call Trace:',
    ];
    expect(lastWords(killed, 15)).toEqual([
      'hello ready',
      killed[1],
      "[voxoz] the Erlang VM (the domain's init) was killed by signal 9; the kernel then stopped the domain",
    ]);
  });

  it('are the last lines, as many as asked, the exit line among them', () => {
    const many = [...Array.from({ length: 20 }, (_, i) => `line ${i}`), HALTED[3]!];
    const words = lastWords(many, 5);
    expect(words).toEqual(['line 16', 'line 17', 'line 18', 'line 19', expect.stringMatching(/exited with code 3/)]);
  });

  it("leave a console without init's end (a LING domain, one still booting or running) as it is, kernel lines too", () => {
    const booting = ['[    0.51] Booting paravirtualized kernel on Xen', '[    9.80] Run /init as init process'];
    expect(lastWords(booting, 15)).toEqual(booting);
    expect(lastWords([...booting, 'hello: starting; waiting for the database'], 1)).toEqual(['hello: starting; waiting for the database']);
    expect(lastWords(['a', 'b', 'c'], 2)).toEqual(['b', 'c']);
  });
});
