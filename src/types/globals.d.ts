/** The default server URL, fixed at build time from DIYALOG_SERVER_URL (see vite.config.ts). */
declare const __DIYALOG_SERVER_URL__: string;
/** Where invite links open when not on the server itself, from DIYALOG_JOIN_PAGE_URL ('' for the server). */
declare const __DIYALOG_JOIN_PAGE_URL__: string;
