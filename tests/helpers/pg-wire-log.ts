// A TCP relay in front of PostgreSQL that writes down every statement a client executes: the
// database work of a request, measured on the wire, whatever driver or runtime sends it.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface WireLog {
  port: number;
  /** Statements executed so far, in order (the text of each execution). */
  statements: string[];
  close(): Promise<void>;
}

const sslRequest = 80877103;
const gssEncRequest = 80877104;

function cstring(buf: Buffer, at: number): [string, number] {
  const end = buf.indexOf(0, at);
  return [buf.toString('utf8', at, end), end + 1];
}

/** The startup message with `search_path` set (a local Hyperdrive binding passes no parameters of its own). */
function withSearchPath(message: Buffer, searchPath: string): Buffer {
  const params: [string, string][] = [];
  for (let at = 8; at < message.length - 1; ) {
    const [name, valueAt] = cstring(message, at);
    const [value, next] = cstring(message, valueAt);
    if (name !== 'search_path') params.push([name, value]);
    at = next;
  }
  params.push(['search_path', searchPath]);
  const body = Buffer.concat([...params.flatMap(([n, v]) => [Buffer.from(`${n}\0${v}\0`)]), Buffer.from([0])]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(message.readInt32BE(4), 4);
  return Buffer.concat([head, body]);
}

/** Reads the client's side of one connection and records each Execute (extended protocol) or Query (simple). */
function watch(client: Socket, server: Socket, statements: string[], searchPath: string | undefined): void {
  let pending = Buffer.alloc(0);
  let started = false;
  const prepared = new Map<string, string>();
  const portals = new Map<string, string>();
  client.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (!started) {
        if (pending.length < 8) return;
        const length = pending.readInt32BE(0);
        if (pending.length < length) return;
        const code = pending.readInt32BE(4);
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        // Encryption is declined here so the relay can read what follows (the server sees plain text).
        if (code === sslRequest || code === gssEncRequest) {
          client.write('N');
          continue;
        }
        started = true;
        server.write(searchPath ? withSearchPath(message, searchPath) : message);
        continue;
      }
      if (pending.length < 5) return;
      const length = pending.readInt32BE(1) + 1;
      if (pending.length < length) return;
      const type = String.fromCharCode(pending[0]!);
      const body = pending.subarray(5, length);
      server.write(pending.subarray(0, length));
      pending = pending.subarray(length);
      if (type === 'P') {
        const [name, at] = cstring(body, 0);
        prepared.set(name, cstring(body, at)[0]);
      } else if (type === 'B') {
        const [portal, at] = cstring(body, 0);
        portals.set(portal, prepared.get(cstring(body, at)[0]) ?? '(unknown statement)');
      } else if (type === 'E') {
        statements.push(portals.get(cstring(body, 0)[0]) ?? '(unknown portal)');
      } else if (type === 'Q') {
        statements.push(cstring(body, 0)[0]);
      }
    }
  });
}

/** `searchPath`: the schema every connection through the relay works in. */
export async function startWireLog(target: { host: string; port: number; searchPath?: string }): Promise<WireLog> {
  const statements: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    watch(client, upstream, statements, target.searchPath);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the relay has no port');
  return {
    port: address.port,
    statements,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
