// Preloaded into the agent when BOOT_STORM_AGENT_PROFILE is set: a V8 CPU profile from start to the
// SIGTERM that stops it (node's --cpu-prof writes only on a normal exit, which the bench cannot wait
// for). The profile goes to $BOOT_STORM_AGENT_PROFILE/agent-<pid>.cpuprofile (Chrome DevTools format).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.BOOT_STORM_AGENT_PROFILE;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.once('SIGTERM', () => {
    // Within the same thread the inspector answers synchronously: the file is written before any
    // other SIGTERM listener's shutdown work gets a turn.
    session.post('Profiler.stop', (error, result) => {
      if (!error)
        writeFileSync(path.join(dir, `agent-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
