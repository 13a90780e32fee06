#!/usr/bin/env node
// Runs the TypeScript CLI through voxoz's loader (Node 20 cannot strip types itself; register-ts.js).
import './register-ts.js';

await import('../src/cli.ts');
