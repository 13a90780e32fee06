import { describe, expect, it } from 'vitest';
import { replacedMaster } from '../../src/store/failover-watch.ts';

describe('the master a +switch-master announcement replaced', () => {
  it('is the old address, also when the new master listens on the same port on another host', () => {
    expect(replacedMaster('voxoz 127.0.0.2 6379 127.0.0.3 6379', 'voxoz')).toEqual({ host: '127.0.0.2', port: 6379 });
    expect(replacedMaster('voxoz 127.0.0.1 7001 127.0.0.1 7002', 'voxoz')).toEqual({ host: '127.0.0.1', port: 7001 });
  });

  it('is none for another group, an unchanged address, or a message cut short', () => {
    expect(replacedMaster('other 127.0.0.2 6379 127.0.0.3 6379', 'voxoz')).toBeUndefined();
    expect(replacedMaster('voxoz 127.0.0.2 6379 127.0.0.2 6379', 'voxoz')).toBeUndefined();
    expect(replacedMaster('voxoz', 'voxoz')).toBeUndefined();
  });
});
