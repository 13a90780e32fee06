// Lets node import voxoz's TypeScript files (Node 20 cannot strip types itself): the hooks in
// ts-hooks.js, and error stacks that point into the .ts sources.
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./ts-hooks.js', import.meta.url);
