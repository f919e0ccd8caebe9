#!/usr/bin/env node
// The `portico` executable: a thin shell around the compiled CLI (run `npm run build` first).
import { main } from '../dist/main.js';

// `portico … | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const argv = process.argv.slice(2);
process.exitCode = await main(argv);
// `serve` resolves once it has stopped cleanly (xDS streams ended, connections given their grace
// period, logs flushed). A peer may still hold a half-closed connection (a @grpc/grpc-js-xds client
// ignores the server's GOAWAY on an idle connection): nothing is left to wait for, so do not.
if (argv[0] === 'serve') process.exit();
