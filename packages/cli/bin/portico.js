#!/usr/bin/env node
// The `portico` executable: a thin shell around the compiled CLI (run `npm run build` first).
import { main } from '../dist/main.js';

// `portico … | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
