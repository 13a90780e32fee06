import { describe, expect, it } from 'vitest';
import { withOriginParent } from '../../src/relay/origin-parent.ts';
import type { RelayRecord } from '../../src/store/job-store.ts';

// A job store double (our own interface): the burst's parent, posted or not yet.
const storeWith = (parents: Record<string, string>) => ({
  relayRecord: async (id: string): Promise<RelayRecord> => ({
    relayed: false,
    uploaded: false,
    attached: 0,
    ...(parents[id] ? { parent: parents[id] } : {}),
  }),
});

describe('withOriginParent', () => {
  const thread = { platform: 'slack', conversation: 'C1', meta: { replyToJob: 'burst-1' } };

  it('waits while the job whose thread it continues has no parent posted yet', async () => {
    expect(await withOriginParent(storeWith({}), thread)).toEqual({ thread, ready: false });
  });

  it("replies to that job's parent once it is posted", async () => {
    expect(await withOriginParent(storeWith({ 'burst-1': '1700000000.000100' }), thread)).toEqual({
      thread: { ...thread, meta: { replyToJob: 'burst-1', replyTo: '1700000000.000100' } },
      ready: true,
    });
  });

  it('leaves a thread alone that names its reply target already, or continues no job', async () => {
    const known = { ...thread, meta: { replyToJob: 'burst-1', replyTo: 'given' } };
    expect(await withOriginParent(storeWith({ 'burst-1': 'other' }), known)).toEqual({ thread: known, ready: true });
    const plain = { platform: 'slack', conversation: 'C1' };
    expect(await withOriginParent(storeWith({}), plain)).toEqual({ thread: plain, ready: true });
  });
});
