import { createDiyalogServer } from './app.js';
import { ConfigError, loadConfig, type DiyalogConfig } from './config.js';
import { errorReason } from './log.js';

function configOrExit(): DiyalogConfig {
  try {
    return loadConfig(process.env, process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`diyalog server: ${error.message}`);
    process.exit(2);
  }
}

const config = configOrExit();

const server = createDiyalogServer(config);
const { url } = await server.listen().catch((error: unknown) => {
  // The Redis URL may hold a password: name the setting, not its value.
  const what = httpListenError(error)
    ? `listen on ${config.host}:${config.port}`
    : `connect to Redis (REDIS_URL)`;
  console.error(`diyalog server: cannot ${what} (${errorReason(error)})`);
  process.exit(1);
});
// stderr, so that stdout stays one JSON object per line for log collectors.
console.error(`Diyalog signaling server listening on ${url} (links use ${config.publicUrl})`);

function httpListenError(error: unknown): boolean {
  return (error as { syscall?: unknown } | null)?.syscall === 'listen';
}

/**
 * Graceful stop: every peer gets `{"type":"ERROR","payload":{"msg":"server-shutting-down"}}` and a close
 * with 1001 (going away), room memberships are removed from the store, then the process exits 0.
 */
function shutdown(): void {
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('diyalog server: shutdown failed', error);
      process.exit(1);
    },
  );
}
// once: a second Ctrl-C falls through to Node's default and ends the process at once.
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
