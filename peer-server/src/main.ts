import { createDiyalogServer } from './app.js';
import { ConfigError, loadConfig, type DiyalogConfig } from './config.js';

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
const { url } = await server.listen().catch((error: NodeJS.ErrnoException) => {
  console.error(
    `diyalog server: cannot listen on ${config.host}:${config.port} (${error.code ?? error.message})`,
  );
  process.exit(1);
});
// stderr, so that stdout stays one JSON object per line for log collectors.
console.error(`Diyalog signaling server listening on ${url} (links use ${config.publicUrl})`);

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
