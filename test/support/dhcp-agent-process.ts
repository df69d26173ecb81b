// The fixture DHCP agent (dhcp-agent.ts) as a process in a segment's namespace: started with a fixture
// file, ready once it prints READY, stopped with SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DhcpFixture } from './dhcp-agent.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

export interface FixtureAgent {
  child: ChildProcess;
  /** Its stdout lines (READY, then one JSON line per discovered device or bound lease). */
  output: string[];
  stop(): Promise<void>;
}

/** Writes the fixture into `dir` and starts the agent in namespace `ns`. */
export async function startFixtureAgent(
  ns: string,
  dir: string,
  fixture: DhcpFixture,
): Promise<FixtureAgent> {
  const fixtureFile = path.join(dir, `fixture-${ns}.json`);
  await writeFile(fixtureFile, JSON.stringify(fixture));
  const agentScript = path.join(root, 'test/support/dhcp-agent.ts');
  const child = spawn(
    'ip',
    ['netns', 'exec', ns, tsx, agentScript, fixtureFile, path.join(dir, `leases-${ns}.json`)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('DHCP agent did not start in 30 s')), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`DHCP agent exited with ${code}`));
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output.push(...chunk.split('\n').filter(Boolean));
      if (output.includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { child, output, stop };
}
