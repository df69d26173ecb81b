// The builder tools on the user's machine (docs/adr/0020): buildah builds, runs shells and commits;
// skopeo copies between registries and lists tags. Each run is one child process with bounded
// capture; its progress lines go to the caller (the CLI prints them on stderr) as they come.
// WALT_BUILDAH_ROOT puts buildah's storage elsewhere than the user's default (tests use a
// temporary one); BUILDAH_ISOLATION is buildah's own (chroot works without a container runtime).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ERR_IMAGE_TOOL_FAILED, ERR_IMAGE_TOOL_MISSING } from './errors.js';

export type ToolName = 'buildah' | 'skopeo' | 'tar';

export interface RunOptions {
  /** Each line the tool prints (stdout and stderr) when given: progress for the user. */
  progress?: (line: string) => void;
  /** Hand the terminal to the tool (an interactive shell): nothing is captured. */
  interactive?: boolean;
  /** Most bytes of stdout kept (default 1 MiB); more fails the step. */
  maxStdout?: number;
}

const DEFAULT_MAX_STDOUT = 1024 * 1024;
const STDERR_TAIL = 4096;

/** Global options of every buildah run: the storage WALT_BUILDAH_ROOT names, if any. */
export function buildahGlobalArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const root = env.WALT_BUILDAH_ROOT;
  if (!root) return [];
  return ['--root', path.join(root, 'storage'), '--runroot', path.join(root, 'run')];
}

function argsFor(tool: ToolName, args: readonly string[]): string[] {
  return tool === 'buildah' ? [...buildahGlobalArgs(), ...args] : [...args];
}

function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = '';
  return (chunk) => {
    const lines = (rest + chunk.toString('utf8')).split(/\r?\n|\r/);
    rest = lines.pop() ?? '';
    if (rest.length > STDERR_TAIL) rest = rest.slice(-STDERR_TAIL);
    for (const line of lines) if (line.trim() !== '') onLine(line);
  };
}

/** Runs `<tool> <args>`; resolves with its stdout, or (interactive) with its exit status. */
export function runTool(
  step: string,
  tool: ToolName,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const max = options.maxStdout ?? DEFAULT_MAX_STDOUT;
  return new Promise((resolve, reject) => {
    const child = spawn(tool, argsFor(tool, args), {
      stdio: options.interactive ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let errTail = '';
    const progress = options.progress ? lineSplitter(options.progress) : undefined;
    child.stdout?.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > max) {
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
      progress?.(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      errTail = (errTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
      progress?.(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT' ? ERR_IMAGE_TOOL_MISSING(tool) : ERR_IMAGE_TOOL_FAILED(step, error.message),
      ),
    );
    child.on('close', (code, signal) => {
      if (outBytes > max) return reject(ERR_IMAGE_TOOL_FAILED(step, `more than ${max} bytes of output`));
      if (options.interactive) return resolve(String(code ?? 128));
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const why =
        errTail.trim().split('\n').slice(-3).join(' / ') ||
        (signal ? `killed by ${signal}` : `exit status ${code}`);
      reject(ERR_IMAGE_TOOL_FAILED(step, why));
    });
  });
}

/** Registry options of buildah and skopeo: plain HTTP, and the auth file of credentials. */
export function registryArgs(
  tool: 'buildah' | 'skopeo-src' | 'skopeo-dest' | 'skopeo',
  access: { insecure?: boolean; authfile?: string },
): string[] {
  const prefix = tool === 'skopeo-src' ? '--src-' : tool === 'skopeo-dest' ? '--dest-' : '--';
  const args: string[] = [];
  if (access.insecure) args.push(`${prefix}tls-verify=false`);
  if (access.authfile) args.push(`${prefix}authfile`, access.authfile);
  return args;
}
