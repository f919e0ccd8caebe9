/** Where the CLI writes and reads, injectable so that `main` runs in-process in tests. */

/** The subset of a writable stream the CLI uses. */
export interface OutputStream {
  write(chunk: string): unknown;
}

export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Reads standard input to its end; called only for `-f -`. */
  readStdin(): Promise<string>;
}

/** The process's own streams. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, readStdin: () => readStream(process.stdin) };
}

/** Reads a stream fully as UTF-8 text. */
export async function readStream(stream: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
