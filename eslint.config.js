import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
  { ignores: ['dist/', 'dist-web/', 'node_modules/', '.tmp/', 'artifacts/'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: {
        ...globals.browser,
        ...globals.node,
        __DIYALOG_SERVER_URL__: 'readonly',
        __DIYALOG_JOIN_PAGE_URL__: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
  {
    // The pure core: no extension APIs, no Svelte, no UI — everything from outside comes through ports.
    files: ['src/call/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'svelte',
            'svelte/*',
            'webextension-polyfill',
            '../ui/*',
            '../ext/*',
            '../background/*',
            '*.svelte',
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        'chrome',
        'browser',
        'window',
        'document',
        'navigator',
        'WebSocket',
        'RTCPeerConnection',
      ],
    },
  },
  {
    // Pages and components never reach into the service worker.
    files: [
      'src/popup/**',
      'src/sidepanel/**',
      'src/join/**',
      'src/ui/**',
      'src/web/**',
      'src/permission/**',
      'src/ext/**',
    ],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../background/*'] }] },
  },
  {
    // The join page is a plain web page: no extension APIs there (nor in the page-side adapters it uses).
    files: ['src/join/**', 'src/ui/**', 'src/web/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['webextension-polyfill', '../ext/*', '../background/*'] },
      ],
    },
  },
);
