// Starts bench/api-server.ts in its own process and reads the ports and keys it prints.
import { spawn } from 'node:child_process';

export interface BenchServer {
  appPort: number;
  barePort: number;
  token: string;
  approverToken: string;
  stop(): Promise<void>;
}

export async function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  // BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of the server there when it stops.
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'bench/api-server.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY .*\n/.exec(out);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const [, appPort, barePort, token, , approverToken] = line.trim().split(' ');
  return {
    appPort: Number(appPort),
    barePort: Number(barePort),
    token: token!,
    approverToken: approverToken!,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
