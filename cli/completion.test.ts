import { spawnSync } from 'node:child_process';
import { bashCompletion, completionModel, zshCompletion } from './completion.js';
import { buildProgram, COMPLETION_NAMES } from './program.js';

const program = buildProgram({
  name: 'walt',
  context: () => {
    throw new Error('completion needs no cluster');
  },
});

/** What the generated bash completion offers for a command line (the last word is being typed). */
function complete(line: string): string[] {
  const words = line.split(' ');
  const script = `${bashCompletion(program, COMPLETION_NAMES)}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})
COMP_CWORD=${words.length - 1}
_walt_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const run = spawnSync('bash', ['--norc', '-c', script], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return run.stdout.split('\n').filter(Boolean);
}

describe('completionModel', () => {
  it('holds every command with its options and argument completions', () => {
    const model = completionModel(program);
    const boot = model.commands.find((c) => c.path.join(' ') === 'node boot')!;
    expect(boot.flags).toEqual(
      expect.arrayContaining(['--force', '--kubeconfig', '-n', '--namespace', '--help']),
    );
    expect(boot.args[0]).toEqual(['my-nodes', 'free-nodes', 'all-nodes']);
    expect(model.flagChoices['-o']).toEqual(['json', 'yaml', 'wide', 'name']);
    expect(model.valueFlags).toEqual(expect.arrayContaining(['--kubeconfig', '-n', '-o', '--timeout']));
    expect(model.valueFlags).not.toContain('--all');
    expect(model.fileFlags).toEqual(['--kubeconfig', '--authfile', '--file']);
  });
});

describe('bashCompletion', () => {
  it('is valid bash', () => {
    const run = spawnSync('bash', ['-n'], {
      input: bashCompletion(program, COMPLETION_NAMES),
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
  });

  it('completes command groups, subcommands, options, option values and node sets', () => {
    expect(complete('walt ')).toEqual(['node', 'image', 'device', 'log', 'experiment', 'completion']);
    expect(complete('walt node re')).toEqual(['reboot', 'remove', 'rename', 'release']);
    expect(complete('walt log ')).toEqual([
      'show',
      'wait',
      'add-checkpoint',
      'list-checkpoints',
      'remove-checkpoint',
    ]);
    expect(complete('walt log wait --mode ')).toEqual(['ANY', 'ALL']);
    expect(complete('walt experiment ')).toEqual(['run', 'show', 'logs', 'rerun']);
    expect(complete('walt device config ')).toEqual(['my-nodes', 'free-nodes', 'all-nodes']);
    expect(complete('walt -n lab node sh')).toEqual(['show', 'shell']);
    expect(complete('walt node show --a')).toEqual(['--all']);
    expect(complete('walt node show -o y')).toEqual(['yaml']);
    expect(complete('walt node boot ')).toEqual(['my-nodes', 'free-nodes', 'all-nodes']);
    expect(complete('walt node boot --force my')).toEqual(['my-nodes']);
    expect(complete('walt node boot vn1 ')).toEqual([]);
    expect(complete('walt completion ')).toEqual(['bash', 'zsh']);
    expect(complete('walt image pull --')).toEqual(
      expect.arrayContaining(['--name', '--no-wait', '--timeout']),
    );
  });
});

describe('zshCompletion', () => {
  it('registers for both names and describes subcommands', () => {
    const script = zshCompletion(program, COMPLETION_NAMES);
    expect(script.startsWith('#compdef walt kubectl-walt\n')).toBe(true);
    expect(script).toContain(
      "'node:manage nodes: show, boot, reboot, wait, create, remove, config, acquire, release, run, cp'",
    );
    expect(script).toContain('compdef _walt_complete walt kubectl-walt');
    // zsh's $path is PATH: the script must not use it as a variable
    expect(script).not.toMatch(/\blocal path\b|\bpath=/);
  });
});
