import type { XenHost } from './xen-host.ts';

/** A kernel message (`[   19.580710] …`): erlang-pv domains boot a Linux kernel that shares the app's console. */
const KERNEL_LINE = /^\[\s*\d+\.\d+\]\s?/;
/** Kernel messages that say why an app died, kept among the app's lines. */
const TELLING = /Out of memory|oom-kill|Killed process|segfault/;
/** Linux's last words when PID 1 (here the Erlang VM) ends: its wait status in hex. */
const INIT_DIED = /Kernel panic - not syncing: Attempted to kill init! exitcode=0x([0-9a-f]+)/i;

/**
 * What a stopped domain's console says about why it stopped, for a thread: its last `lines`
 * lines of the app's own output, without the kernel's panic report and call trace that follow
 * the end of init (the Erlang VM) on an erlang-pv domain, which would fill them; instead one
 * line with the VM's exit code or signal. Kernel lines that tell why (out of memory, a
 * segfault) stay. A console without that end (a LING domain, one still booting or running) is
 * left as it is. `logs` shows the console whole.
 */
export function lastWords(console: ReadonlyArray<string>, lines: number): string[] {
  const died = console.map((l) => INIT_DIED.exec(l)).find((m) => m !== null);
  // No end of init: the console as it is (a domain stuck in its kernel's boot shows where).
  if (!died) return console.slice(-lines);
  const kept = console.filter((l) => !KERNEL_LINE.test(l) || TELLING.test(l));
  const status = Number.parseInt(died[1]!, 16);
  const signal = status & 0x7f;
  const how = signal === 0 ? `exited with code ${(status >> 8) & 0xff}` : `was killed by signal ${signal}`;
  return [...kept.slice(-(lines - 1)), `[voxoz] the Erlang VM (the domain's init) ${how}; the kernel then stopped the domain`];
}

/** `lastWords` of a domain's console as one text; empty when the console cannot be read. */
export async function consoleLastWords(host: XenHost, name: string, lines = 15): Promise<string> {
  return lastWords(await host.consoleTail(name, 300).catch(() => []), lines).join('\n');
}
