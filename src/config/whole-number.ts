import { z } from 'zod';
import { showValue } from './show-value.ts';

/** A whole number in min..max, whose error says the range and what was given. */
export const wholeNumber = (min: number, max: number) =>
  z
    .number({ error: (iss) => `must be a whole number ${min}..${max}, got ${showValue(iss.input)}` })
    .int({ error: (iss) => `must be a whole number ${min}..${max}, got ${showValue(iss.input)}` })
    .min(min, { error: (iss) => `must be ${min}..${max}, got ${showValue(iss.input)}` })
    .max(max, { error: (iss) => `must be ${min}..${max}, got ${showValue(iss.input)}` });
