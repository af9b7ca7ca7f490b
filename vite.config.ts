import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

const root = resolve(import.meta.dirname, 'src');
const serverUrl = process.env.DIYALOG_SERVER_URL ?? 'http://127.0.0.1:9000';
/** A join page served apart from the server (its JOIN_PAGE_URL); unset: the server's own /join/. */
const joinPageUrl = process.env.DIYALOG_JOIN_PAGE_URL ?? '';

/** Emits the hand-written top-level manifest.json into dist/, with the version from package.json. */
function manifest(): Plugin {
  return {
    name: 'diyalog-manifest',
    generateBundle() {
      const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, 'package.json'), 'utf8')) as {
        version: string;
      };
      const json = JSON.parse(readFileSync(resolve(import.meta.dirname, 'manifest.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      json.version = pkg.version;
      this.emitFile({ type: 'asset', fileName: 'manifest.json', source: JSON.stringify(json, null, 2) });
    },
  };
}

// `vite build` builds the extension into dist/; `vite build --mode join` builds the invitee's
// web page into dist-web/join/, which the peer-server serves under /join/.
export default defineConfig(({ mode }) => {
  const join = mode === 'join';
  return {
    root,
    base: join ? '/join/' : './',
    publicDir: join ? false : resolve(import.meta.dirname, 'assets'),
    plugins: [
      svelte({ configFile: resolve(import.meta.dirname, 'svelte.config.js') }),
      ...(join ? [] : [manifest()]),
    ],
    define: {
      __DIYALOG_SERVER_URL__: JSON.stringify(serverUrl),
      __DIYALOG_JOIN_PAGE_URL__: JSON.stringify(joinPageUrl),
    },
    build: {
      outDir: resolve(import.meta.dirname, join ? 'dist-web/join' : 'dist'),
      emptyOutDir: true,
      target: 'chrome120',
      modulePreload: false,
      sourcemap: false,
      rollupOptions: {
        input: join
          ? { join: resolve(root, 'join.html') }
          : {
              popup: resolve(root, 'popup.html'),
              sidepanel: resolve(root, 'sidepanel.html'),
              permission: resolve(root, 'permission.html'),
              options: resolve(root, 'options.html'),
              welcome: resolve(root, 'welcome.html'),
              history: resolve(root, 'history.html'),
              background: resolve(root, 'background/index.ts'),
            },
        output: {
          entryFileNames: (chunk) =>
            chunk.name === 'background' ? 'background.js' : 'assets/[name]-[hash].js',
        },
      },
    },
  };
});
