/** Runs a host command (ip, mount…) to completion; a failure throws with its stderr. */
import { execFile } from 'node:child_process';

export function runCommand(bin: string, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${bin} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** The same, for teardown: a step that fails (already gone) must not stop the next. */
export async function runCommandQuietly(bin: string, args: string[]): Promise<void> {
  await runCommand(bin, args).catch(() => undefined);
}
