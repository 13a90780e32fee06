import type { CommandSpec } from '../src/dispatch/command-spec.ts';
import { deploy } from './deploy.ts';
import { help } from './help.ts';
import { status } from './status.ts';

/** Every chat command, in the order help lists them. A verb or alias collision fails at start-up (createRegistry). */
export const commands: ReadonlyArray<CommandSpec> = [deploy, status, help];
