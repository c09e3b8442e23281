// What the web end-to-end tests and the web bench share: paths, a fresh demo store with users,
// `aegis serve` on a free loopback port with the built front end, and Debian's Chromium driven
// by playwright-core (from web/node_modules; no browser is downloaded).
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const webDir = path.join(root, 'web');
export const require = createRequire(path.join(webDir, 'package.json'));

export function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

export const AEGIS = path.resolve(arg('--aegis', process.env.AEGIS_BINARY || path.join(root, 'build/aegis')));
export const DIST = process.env.AEGIS_WEB_DIR || path.join(webDir, 'dist');
export const CHROMIUM = process.env.AEGIS_CHROMIUM || '/usr/bin/chromium';

export function requireInputs() {
  for (const [what, p] of [
    ['the aegis binary (scripts/build.sh)', AEGIS],
    ['the built web app (scripts/build-web.sh)', path.join(DIST, 'index.html')],
    ['Chromium (apt-get install chromium)', CHROMIUM],
  ])
    if (!fs.existsSync(p)) throw new Error(`${what} is missing: ${p}`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function runAegis(args, env = {}) {
  return execFileSync(AEGIS, args, { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// A demo store in a new temporary folder with a coordinator and a viewer (random passwords).
export function demoStore() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-web-'));
  const db = path.join(dir, 'aegis-demo.sqlite');
  runAegis(['demo', '--dir', dir, '--serve', 'no']);
  const rnd = () => Math.random().toString(36).slice(2);
  const users = {
    coordinator: { user: 'e2e-coordinator', pw: 'Coord-e2e-' + rnd() + '!A1' },
    viewer: { user: 'e2e-viewer', pw: 'View-e2e-' + rnd() + '!B2' },
  };
  for (const [role, u] of Object.entries(users))
    runAegis(['--db', db, 'user', 'add', u.user, '--role', role, '--name', 'E2E ' + role], { AEGIS_PASSWORD: u.pw });
  return { dir, db, users };
}

// `aegis serve` on a free port; resolves once it listens.
export async function startServer(db) {
  const port = await freePort();
  const child = spawn(AEGIS, ['--db', db, 'serve', '--port', String(port)], {
    env: { ...process.env, AEGIS_WEB_DIR: DIST },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start in 30 s:\n' + log)), 30000);
    const onData = (d) => {
      log += d;
      if (log.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}):\n${log}`));
    });
  });
  return {
    base: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function launchChromium() {
  const { chromium } = require('playwright-core');
  const args = ['--disable-dev-shm-usage', '--disable-gpu'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}
