// bench/api: incident create and get through the Node server, next to a bare Hono route measured in the same run.
// Usage: npx tsx bench/api.ts   (TEST_DATABASE_URL=postgres://… adds the PostgreSQL run; BENCH_SECONDS, BENCH_CONNECTIONS tune it)
import postgres from 'postgres';
import autocannon from 'autocannon';
import { startBenchServer } from './server-process.js';
import { sampleIncidentBody } from './samples.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 100);
const pgUrl = process.env.TEST_DATABASE_URL;

interface Row {
  database: string;
  target: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

const incidentBody = () => JSON.stringify(sampleIncidentBody());

async function run(url: string, opts: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: seconds, ...opts });
}

function row(database: string, target: string, r: autocannon.Result): Row {
  return { database, target, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

async function measure(database: string, env: Record<string, string>): Promise<Row[]> {
  const server = await startBenchServer(env);
  const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  const base = `http://127.0.0.1:${server.appPort}`;
  const created = await fetch(`${base}/v1/incidents`, { method: 'POST', headers: auth, body: incidentBody() });
  const { id } = (await created.json()) as { id: string };
  // Warm every path before measuring.
  await run(`http://127.0.0.1:${server.barePort}/bare`, { duration: 2 });
  await run(`${base}/v1/incidents/${id}`, { duration: 2, headers: auth });
  await run(`${base}/v1/incidents`, { duration: 2, method: 'POST', headers: auth, body: incidentBody() });
  const rows = [
    row(database, 'bare Hono GET /bare', await run(`http://127.0.0.1:${server.barePort}/bare`, {})),
    row(database, 'GET /v1/incidents/{id}', await run(`${base}/v1/incidents/${id}`, { headers: auth })),
    row(database, 'POST /v1/incidents', await run(`${base}/v1/incidents`, { method: 'POST', headers: auth, body: incidentBody() })),
    row(database, 'POST /v1/incidents @10', await run(`${base}/v1/incidents`, { method: 'POST', headers: auth, body: incidentBody(), connections: 10 })),
  ];
  await server.stop();
  return rows;
}

const rows: Row[] = [];
if (pgUrl) {
  const name = `bench_api_${Date.now()}`;
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  try {
    rows.push(...(await measure('postgres', { DATABASE_URL: url.toString() })));
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
rows.push(...(await measure('pglite', { DATABASE_URL: '' })));

console.log(`\nbench/api — ${connections} connections (@10: ten), ${seconds} s per target, node ${process.version}`);
console.log('database  target                     req/s   p50 ms  p99 ms  non-2xx  errors  vs bare');
for (const r of rows) {
  const bare = rows.find((b) => b.database === r.database && b.target.startsWith('bare'))!;
  console.log(
    `${r.database.padEnd(9)} ${r.target.padEnd(26)} ${String(r.rps).padStart(6)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(7)} ${String(r.non2xx).padStart(8)} ${String(r.errors).padStart(7)}  ${(r.rps / bare.rps).toFixed(2)}×`,
  );
}
