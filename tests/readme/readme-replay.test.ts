// Replays every ```sh block of README.md, verbatim, against a real server on a fresh embedded database.
//
// The convention the README follows (see "Trying the walkthroughs" in it):
// - blocks run in order, each command with bash in one shared environment: what a command `export`s,
//   later commands see (a plain assignment without `export` is not carried over);
// - `localhost:8787` is the server the test started (it listens on a free port instead);
// - in an `export NAME=prefix…` assignment, `prefix…` is filled with the first `prefix…` value that
//   the previous command printed (an id such as `inc_…` from a JSON answer; for the very first
//   command, the admin key `npm start` printed); when the line's comment names a field — `# the
//   "token" of the answer` — the value of that JSON field is taken. A `…` anywhere else in a command
//   is an error;
// - curl fails on an HTTP error status (a 4xx or 5xx answer fails the walkthrough);
// - blocks not meant to run are fenced as ```text.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

export interface ReadmeCommand {
  /** 1-based line of README.md where the command starts. */
  line: number;
  text: string;
}

/** The ```sh blocks of a Markdown text, split into commands as bash would read them. */
export function shellCommands(markdown: string): ReadmeCommand[] {
  const lines = markdown.split('\n');
  const commands: ReadmeCommand[] = [];
  let inBlock = false;
  let current: { line: number; lines: string[] } | null = null;
  let quote: '"' | "'" | null = null;
  let heredoc: string | null = null;
  lines.forEach((raw, index) => {
    const fence = /^```(\S*)\s*$/.exec(raw);
    if (fence && !quote && !heredoc) {
      if (!inBlock) inBlock = fence[1] === 'sh' || fence[1] === 'bash';
      else {
        if (current) throw new Error(`README.md:${current.line}: the command does not end before its block does`);
        inBlock = false;
      }
      return;
    }
    if (!inBlock) return;
    if (!current) {
      if (raw.trim() === '' || raw.trim().startsWith('#')) return;
      current = { line: index + 1, lines: [] };
    }
    current.lines.push(raw);
    if (heredoc) {
      if (raw === heredoc) heredoc = null;
    } else {
      // Follow quotes across lines; a # outside quotes starts a comment; note a here-document.
      for (let i = 0; i < raw.length; i++) {
        const ch = raw[i]!;
        if (quote) {
          if (ch === quote) quote = null;
          else if (ch === '\\' && quote === '"') i++;
        } else if (ch === '\\') i++;
        else if (ch === '"' || ch === "'") quote = ch;
        else if (ch === '#' && (i === 0 || /\s/.test(raw[i - 1]!))) break;
        else if (ch === '<' && raw.startsWith('<<', i)) {
          const tag = /^<<-?\s*['"]?([A-Za-z_]+)['"]?/.exec(raw.slice(i));
          if (tag) heredoc = tag[1]!;
        }
      }
    }
    const continued = quote !== null || heredoc !== null || /\\$/.test(raw);
    if (!continued) {
      commands.push({ line: current.line, text: current.lines.join('\n') });
      current = null;
    }
  });
  return commands;
}

/** Fills `export NAME=prefix…` placeholders from the previous output; refuses any other `…`. */
export function fillPlaceholders(command: ReadmeCommand, previousOutput: string): string {
  let text = command.text;
  const pattern = /(\bexport\s+(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*[A-Za-z_][A-Za-z0-9_]*=)([A-Za-z0-9_-]*)…/;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const prefix = m[2]!;
    if (!prefix) throw new Error(`README.md:${command.line}: the placeholder needs a prefix to look for (such as inc_…)`);
    const field = /#.*\bthe "([A-Za-z0-9_]+)"/.exec(command.text)?.[1];
    const value = `${prefix.replace(/-/g, '\\-')}[A-Za-z0-9_-]+`;
    const found = field
      ? new RegExp(`"${field}"\\s*:\\s*"(${value})"`).exec(previousOutput)?.slice(1)
      : new RegExp(`(?<![A-Za-z0-9_-])${value}`).exec(previousOutput);
    if (!found) throw new Error(`README.md:${command.line}: the previous command printed no ${prefix}… value to fill \`${m[0]}\` with.\nIt printed:\n${previousOutput}`);
    text = text.replace(m[0], `${m[1]}${found[0]}`);
  }
  const code = text
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, ''))
    .join('\n');
  if (code.includes('…')) throw new Error(`README.md:${command.line}: a … placeholder outside an \`export NAME=prefix…\` line cannot be replayed; capture the value in a variable first:\n${command.text}`);
  return text;
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(script: string, cwd: string, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolveRun) => {
    const child = spawn('bash', ['-c', script], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, LANG: 'C.UTF-8' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README walkthroughs, replayed verbatim', () => {
  let server: ChildProcess | undefined;
  let work: string;
  let startOutput = '';
  let address = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'breachkit-readme-'));
    // The walkthrough runs from a checkout: these are what its commands (npm run import) need of one.
    for (const entry of ['package.json', 'node_modules', 'src', 'tsconfig.json', 'templates', 'runbooks']) symlinkSync(join(root, entry), join(work, entry));
    writeFileSync(join(work, 'state.sh'), '');
    server = spawn(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'src/server.ts')], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work, PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(work, 'data'), LOG_LEVEL: 'warn' },
    });
    let stderr = '';
    server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    address = await new Promise<string>((resolveStart, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start in 90 s:\n${startOutput}\n${stderr}`)), 90_000);
      server!.stdout!.on('data', (d: Buffer) => {
        startOutput += d.toString();
        const listening = /breachkit is listening on http:\/\/(localhost:\d+)/.exec(startOutput);
        if (listening && /admin key/.test(startOutput)) {
          clearTimeout(timer);
          resolveStart(listening[1]!);
        }
      });
      server!.on('exit', (code) => reject(new Error(`the server exited (${code}):\n${startOutput}\n${stderr}`)));
    });
  }, 120_000);

  afterAll(() => {
    server?.kill('SIGTERM');
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs every ```sh command of README.md against the API without an error status', async () => {
    const commands = shellCommands(readme);
    expect(commands.length).toBeGreaterThan(20);
    // curl answers an HTTP error with exit status 22 (and still prints the problem body).
    const prelude = ['set -o pipefail', 'source ./state.sh', 'curl() { command curl --fail-with-body --show-error "$@"; }'].join('\n');
    let previous = startOutput;
    for (const command of commands) {
      const text = fillPlaceholders(command, previous).replaceAll('localhost:8787', address);
      const outcome = await run(`${prelude}\n${text}\nstatus=$?\nexport -p > ./state.sh\nexit $status`, work, 60_000);
      if (outcome.code !== 0) {
        throw new Error(`README.md:${command.line}: the command failed (exit ${outcome.code})\n${command.text}\n--- stdout\n${outcome.stdout}\n--- stderr\n${outcome.stderr}`);
      }
      previous = outcome.stdout;
    }
  }, 600_000);
});

describe('the README replay convention', () => {
  it('splits commands across continued lines, quotes and here-documents, and skips comments and text blocks', () => {
    const md = ['```sh', '# a comment', "curl -s $BK/a -d '{", '  "x": "it#s"}\'   # trailing', 'cat > f.json <<\'EOF\'', "{\"don't\": 1}", 'EOF', 'echo one \\', '  two', '```', '```text', 'npm start', '```'].join('\n');
    expect(shellCommands(md)).toEqual([
      { line: 3, text: "curl -s $BK/a -d '{\n  \"x\": \"it#s\"}'   # trailing" },
      { line: 5, text: "cat > f.json <<'EOF'\n{\"don't\": 1}\nEOF" },
      { line: 8, text: 'echo one \\\n  two' },
    ]);
  });

  it('fills export placeholders from the previous output and names the line of any other placeholder', () => {
    expect(fillPlaceholders({ line: 9, text: 'export INC=inc_…   # the id' }, '{"id":"inc_abc123","version":1}')).toBe('export INC=inc_abc123   # the id');
    expect(fillPlaceholders({ line: 9, text: 'export BK=http://localhost:8787 KEY=bk_…' }, '  admin key (shown once; store it now): bk_Zx9-y_1\n')).toBe('export BK=http://localhost:8787 KEY=bk_Zx9-y_1');
    expect(fillPlaceholders({ line: 9, text: 'export R=bk_…   # the "token" of the answer' }, '{"prefix":"bk_abc","token":"bk_abcdef"}')).toBe('export R=bk_abcdef   # the "token" of the answer');
    expect(() => fillPlaceholders({ line: 12, text: 'curl -s $BK/v1/incidents/inc_…/timeline' }, '')).toThrow(/README.md:12/);
    expect(() => fillPlaceholders({ line: 14, text: 'export IMP=imp_…' }, '{"id":"inc_1"}')).toThrow(/README.md:14: the previous command printed no imp_/);
  });
});
