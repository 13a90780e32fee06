import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/services/free-port.ts';

describe('findFreePort', () => {
  it('never hands a process the same port twice, even when the kernel offers it again', async () => {
    // The kernel offers a port it gave before once it is closed: as it did when two apps of one test got the same port.
    const offers = [47001, 47001, 47001, 47002];
    const ask = async () => offers.shift()!;
    expect(await findFreePort(ask)).toBe(47001);
    expect(await findFreePort(ask)).toBe(47002);
  });

  it('says so when the kernel keeps offering only ports it gave before', async () => {
    await findFreePort(async () => 47101);
    await expect(findFreePort(async () => 47101)).rejects.toThrow('no TCP port on 127.0.0.1 that this process was not given before');
  });

  it('asks the kernel by default: a port that can be listened on', async () => {
    const [a, b] = [await findFreePort(), await findFreePort()];
    expect(a).toBeGreaterThan(0);
    expect(b).not.toBe(a);
  });
});
