import { describe, expect, it } from 'vitest';
import { updateAtVersion } from '../../src/drivers/swarm/versioned-update.ts';

/** A Swarm object whose version moves on by itself `bumps` times, as the manager moves a node's just after `swarm init`. */
function swarmObject(bumps: number) {
  let version = 10;
  const writes: number[] = [];
  return {
    writes,
    read: async () => {
      const seen = { Version: { Index: version } };
      if (bumps > 0) {
        bumps -= 1;
        version += 1;
      }
      return seen;
    },
    write: async (current: { Version: { Index: number } }) => {
      writes.push(current.Version.Index);
      if (current.Version.Index !== version)
        throw new Error('(HTTP code 500) server error - rpc error: code = Unknown desc = update out of sequence');
    },
  };
}

describe('updateAtVersion', () => {
  it('reads again and writes at the new version when Swarm moved the object in between', async () => {
    const obj = swarmObject(2);
    await updateAtVersion(obj.read, obj.write);
    expect(obj.writes).toEqual([10, 11, 12]);
  });

  it('gives up after five refusals, with Swarm’s own error', async () => {
    const obj = swarmObject(100);
    await expect(updateAtVersion(obj.read, obj.write)).rejects.toThrow('update out of sequence');
    expect(obj.writes).toHaveLength(5);
  });

  it('throws any other error at once', async () => {
    let writes = 0;
    const write = async () => {
      writes += 1;
      throw new Error('(HTTP code 404) no such service');
    };
    await expect(updateAtVersion(async () => ({ Version: { Index: 1 } }), write)).rejects.toThrow('no such service');
    expect(writes).toBe(1);
  });
});
