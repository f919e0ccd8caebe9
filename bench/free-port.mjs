// A loopback port free right now (a temporary listener on port 0, closed again), for the scenarios that
// start a real `portico serve`.
import { createServer } from 'node:net';

export async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}
