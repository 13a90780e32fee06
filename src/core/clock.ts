/** What time it is, for every timestamp voxoz writes: the composition root passes one, tests pass their own. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
