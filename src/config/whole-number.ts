import { z } from 'zod';

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

/** A whole number in min..max, whose error says the range and what was given. */
export const wholeNumber = (min: number, max: number) =>
  z
    .number({ error: (iss) => `must be a whole number ${min}..${max}, got ${show(iss.input)}` })
    .int({ error: (iss) => `must be a whole number ${min}..${max}, got ${show(iss.input)}` })
    .min(min, { error: (iss) => `must be ${min}..${max}, got ${show(iss.input)}` })
    .max(max, { error: (iss) => `must be ${min}..${max}, got ${show(iss.input)}` });
