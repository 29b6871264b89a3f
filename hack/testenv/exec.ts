import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  /** Stream the command's output to our stderr (long builds) instead of only capturing it. */
  echo?: boolean;
}

/** Runs a command to completion and captures its output; never throws on a non-zero exit. */
export function exec(
  command: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  return new Promise((resolveResult, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (options.echo === true) process.stderr.write(chunk);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (options.echo === true) process.stderr.write(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      resolveResult({ code: code ?? 1, stdout, stderr });
    });
    if (options.stdin !== undefined && child.stdin !== null) {
      // A command may exit before reading its input; that is its answer, not our error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin);
    }
  });
}

/** Like exec, but a non-zero exit is an error that carries the command's output. */
export async function run(
  command: string,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<string> {
  const result = await exec(command, args, options);
  if (result.code !== 0) {
    const output = (result.stderr || result.stdout).trim().split('\n').slice(-30).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}:\n${output}`);
  }
  return result.stdout;
}
