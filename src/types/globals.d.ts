/** The default server URL, fixed at build time from DIYALOG_SERVER_URL (see vite.config.ts). */
declare const __DIYALOG_SERVER_URL__: string;
