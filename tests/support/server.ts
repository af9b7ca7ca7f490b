import { resolve } from 'node:path';
import { createDiyalogServer } from '../../peer-server/src/app.js';
import { loadConfig } from '../../peer-server/src/config.js';

export const JOIN_DIR = resolve(import.meta.dirname, '../../dist-web/join');

/** Our real peer-server on an ephemeral loopback port, serving the built join page. */
export async function startServer(env: Record<string, string> = {}) {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', JOIN_DIR, ...env }, []);
  const server = createDiyalogServer(config, { log: () => undefined });
  const { url, port } = await server.listen();
  return { url, port, close: () => server.close() };
}
