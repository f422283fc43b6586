/**
 * Static file servers over a publication directory, for the publish tests (test/publish/) and the bench: nginx
 * from Debian (`/usr/sbin/nginx`, in the foreground, one process, its own prefix and config on a
 * free loopback port) and a plain `node:http` file server (no code of the log's).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as netServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A running static server. */
export interface StaticServer {
  url: string;
  stop(): Promise<void>;
}

/** The nginx binary of the Debian package. */
export const NGINX = '/usr/sbin/nginx';

/** freePort asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => ok(port));
    });
    s.once('error', fail);
  });
}

/**
 * The `location` blocks documented in docs/log-server.md "Static publication", with `root` set.
 * Kept here verbatim so that the test proves the documented configuration.
 */
export function nginxLocations(dir: string): string {
  return `
    root ${dir};
    location = /checkpoint {
        default_type "text/plain; charset=utf-8";
        add_header Cache-Control "no-cache" always;
        add_header Access-Control-Allow-Origin "*" always;
    }
    location /tile/ {
        default_type application/octet-stream;
        add_header Cache-Control "public, max-age=604800, immutable" always;
        add_header Access-Control-Allow-Origin "*" always;
        location /tile/entries/ {
            gzip on;
            gzip_types application/octet-stream;
        }
    }
    location = /v1/log {
        default_type application/json;
        add_header Cache-Control "no-cache" always;
        add_header Access-Control-Allow-Origin "*" always;
    }
    location / {
        add_header Cache-Control "no-cache" always;
    }
    location /.runproof-tmp/ {
        return 404;
    }`;
}

/** startNginx serves `dir` with nginx; throws if nginx is not installed. */
export async function startNginx(dir: string): Promise<StaticServer> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing (apt-get install nginx-light or nginx)`);
  const prefix = mkdtempSync(join(tmpdir(), 'runproof-nginx-'));
  mkdirSync(join(prefix, 'logs'));
  const port = await freePort();
  const temp = (name: string) => `${name}_temp_path ${join(prefix, name)};`;
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
error_log stderr warn;
pid ${join(prefix, 'nginx.pid')};
events { worker_connections 1024; }
http {
    ${existsSync('/etc/nginx/mime.types') ? 'include /etc/nginx/mime.types;' : ''}
    access_log off;
    ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n    ')}
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:${port};
        ${nginxLocations(resolve(dir))}
    }
}
`,
  );
  const child = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitListening(url, child, () => err);
  return { url, stop: () => stopChild(child, () => rmSync(prefix, { recursive: true, force: true })) };
}

/** startNodeStatic serves `dir` with a few lines of `node:http` (files only, no listing). */
export async function startNodeStatic(dir: string): Promise<StaticServer> {
  const root = resolve(dir);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const file = resolve(root, '.' + path);
    if (!file.startsWith(root + '/') || path.includes('/.')) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (data) => {
        const checkpoint = path === '/checkpoint';
        res.writeHead(200, {
          'Content-Type': checkpoint ? 'text/plain; charset=utf-8' : 'application/octet-stream',
          'Cache-Control': checkpoint ? 'no-cache' : 'public, max-age=604800, immutable',
        });
        res.end(data);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    stop: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

async function waitListening(url: string, child: ChildProcess, err: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${err()}`);
    try {
      await fetch(`${url}/`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`nginx did not listen on ${url}: ${err()}`);
}

function stopChild(child: ChildProcess, cleanup: () => void): Promise<void> {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      cleanup();
      ok();
      return;
    }
    child.once('exit', () => {
      cleanup();
      ok();
    });
    child.kill('SIGQUIT'); // nginx: graceful shutdown
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}
