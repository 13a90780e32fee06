import { join } from 'node:path';
import { readPidFile, stopProcess } from '../../src/services/process-info.ts';

/** Stops the front door a SIGKILLed voxoz left running in `dataDir` (it lives in its own session, as after a crash). */
export async function stopLeftCaddy(dataDir: string): Promise<void> {
  const pid = readPidFile(join(dataDir, 'caddy', 'caddy.pid'));
  if (pid) await stopProcess(pid, 'caddy', 5000);
}
