/**
 * Front doors on an engine made in this process (engine-front-door.ts): a door container made
 * anew (the first one on an engine, or one made again after it was removed under voxoz) starts
 * with no site, so the sites of every other app environment behind it are gone until they are
 * pointed again. The worker pool listens and reconciles at once instead of at its next round.
 */
const listeners = new Set<(door: string) => void>();

/** Calls `listener` with the container's name each time a front door is made; returns how to stop. */
export function onDoorMade(listener: (door: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Says that the front door `door` was just made (it serves no site yet). */
export function doorMade(door: string): void {
  for (const listener of listeners) listener(door);
}
