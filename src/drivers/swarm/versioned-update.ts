/** What Swarm's objects (nodes, services) carry: the version an update must name. */
export interface Versioned {
  Version: { Index: number };
}

/** How many times an update is tried when Swarm changed the object between the read and the write. */
const TRIES = 5;
const PAUSE_MS = 100;

/**
 * Updates a Swarm object (a node, a service) at the version just read. Swarm refuses a write that
 * names an older version ("update out of sequence"): the manager itself changes an object now and
 * then (a node's status just after `swarm init` or a join, a service's state after its last
 * update), so the object is read again and the same change made on the new version, a few times.
 * Any other error, or the last refusal, is thrown as it came.
 */
export async function updateAtVersion<T extends Versioned>(read: () => Promise<T>, write: (current: T) => unknown): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await read();
    try {
      await write(current);
      return;
    } catch (err) {
      if (attempt >= TRIES || !isOutOfSequence(err)) throw err;
      await new Promise((r) => setTimeout(r, PAUSE_MS * attempt));
    }
  }
}

function isOutOfSequence(err: unknown): boolean {
  return err instanceof Error && err.message.includes('update out of sequence');
}
