import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HASH_WORKER_CSP } from '../../peer-server/src/security-headers.js';
import { freeLoopbackPort, stopProcess } from './redis.js';

export interface RunningNginx {
  readonly url: string;
  readonly port: number;
  /** The configuration it runs with (the README shows the same settings). */
  readonly config: string;
  stop(): Promise<void>;
}

/**
 * nginx's configuration for Diyalog instances behind one address, round-robin, no sticky sessions: the
 * README's deployment, with loopback, a temp prefix and no daemon. WebSocket upgrades balance on their own
 * upstream so that each new socket goes to the next instance, whatever HTTP requests come in between.
 */
export function nginxConfig(options: { port: number; upstreams: readonly number[]; prefix: string }): string {
  const servers = options.upstreams
    .map((port) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=10s;`)
    .join('\n');
  return `daemon off;
worker_processes 1;
pid ${options.prefix}/nginx.pid;
error_log ${options.prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${options.prefix}/body;
  proxy_temp_path ${options.prefix}/proxy;
  fastcgi_temp_path ${options.prefix}/fastcgi;
  uwsgi_temp_path ${options.prefix}/uwsgi;
  scgi_temp_path ${options.prefix}/scgi;

  map $http_upgrade $connection_upgrade { default upgrade; '' close; }

  upstream diyalog_sockets {
${servers}
  }
  upstream diyalog_http {
${servers}
  }

  server {
    listen 127.0.0.1:${options.port};

    location = /signal/peerjs {
      proxy_pass http://diyalog_sockets;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # PeerJS clients heartbeat every 5 s; the server drops a silent socket after 90 s.
      proxy_read_timeout 120s;
      proxy_send_timeout 120s;
      # A dead instance refuses the connection: the client's reconnect goes to the next one.
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
    }
    location / {
      proxy_pass http://diyalog_http;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
    }
  }
}
`;
}

/** Debian's nginx on a free loopback port in front of `upstreams`; stops with the test (or its process). */
export async function startNginx(upstreams: readonly number[], listenPort?: number): Promise<RunningNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'diyalog-nginx-'));
  const port = listenPort ?? (await freeLoopbackPort());
  return runNginx(prefix, port, nginxConfig({ port, upstreams, prefix }), '/health');
}

/** Runs nginx with `config` until it answers `probe` on `port`; stop() ends it and removes `prefix`. */
async function runNginx(prefix: string, port: number, config: string, probe: string): Promise<RunningNginx> {
  await writeFile(join(prefix, 'nginx.conf'), config);
  const child: ChildProcess = spawn(
    '/usr/sbin/nginx',
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      await fetch(`http://127.0.0.1:${port}${probe}`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not answer within 10 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    config,
    async stop() {
      process.off('exit', killOnExit);
      await stopProcess(child);
      await rm(prefix, { recursive: true, force: true });
    },
  };
}

/**
 * The join page as static files on an origin of its own (the README's JOIN_PAGE_URL setup): `/join/<room>`
 * gets join.html with a CSP that lets it connect only to itself and the signaling server, `/join/assets/*`
 * the built files. `distWeb` holds `join/` (vite's join build, whose base is /join/).
 */
export function staticJoinPageConfig(options: {
  port: number;
  distWeb: string;
  signalingOrigin: string;
  prefix: string;
}): string {
  const socketOrigin = options.signalingOrigin.replace(/^http/, 'ws');
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${options.signalingOrigin} ${socketOrigin}`,
    "media-src 'self' blob: data:",
    "img-src 'self' blob: data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return `daemon off;
worker_processes 1;
pid ${options.prefix}/nginx.pid;
error_log ${options.prefix}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${options.prefix}/body;
  proxy_temp_path ${options.prefix}/proxy;
  fastcgi_temp_path ${options.prefix}/fastcgi;
  uwsgi_temp_path ${options.prefix}/uwsgi;
  scgi_temp_path ${options.prefix}/scgi;
  types { text/html html; text/javascript js; text/css css; }

  server {
    listen 127.0.0.1:${options.port};
    root ${options.distWeb};
    add_header X-Content-Type-Options nosniff always;
    add_header Referrer-Policy no-referrer always;

    # nginx drops the server's add_header lines in a location that has its own: each says them all again.
    location /join/assets/ {
      add_header X-Content-Type-Options nosniff always;
      add_header Cache-Control "public, max-age=31536000, immutable";
    }
    # The hashing worker obeys the policy it is served with: it may compile WebAssembly, and nothing else.
    location ~ "^/join/assets/sha256-worker-[A-Za-z0-9_-]+\\.js$" {
      add_header Content-Security-Policy "${HASH_WORKER_CSP}" always;
      add_header X-Content-Type-Options nosniff always;
      add_header Cache-Control "public, max-age=31536000, immutable";
    }
    location ~ "^/join/[A-Za-z0-9_-]{22}/?$" {
      add_header Content-Security-Policy "${csp}" always;
      add_header Referrer-Policy no-referrer always;
      add_header X-Content-Type-Options nosniff always;
      add_header Cache-Control no-cache;
      try_files /join/join.html =404;
    }
    location / {
      return 404;
    }
  }
}
`;
}

/** Debian's nginx serving the built join page from its own loopback origin. */
export async function startStaticJoinPage(distWeb: string, signalingOrigin: string): Promise<RunningNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'diyalog-nginx-join-'));
  const port = await freeLoopbackPort();
  return runNginx(prefix, port, staticJoinPageConfig({ port, distWeb, signalingOrigin, prefix }), '/');
}
