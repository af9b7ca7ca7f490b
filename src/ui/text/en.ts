/**
 * Every word the extension and the join page show, in English. `tr.ts` has the same keys (the type is this
 * object's, so a missing Turkish text does not compile). The core (src/call/) returns codes and figures;
 * only these modules turn them into sentences. Text is shown as text, never as markup.
 */
import type { CallErrorKind } from '../../call/errors.js';
import type { DecisionMessage } from '../../call/quality/describe.js';
import type { QualityLevel } from '../../call/quality/config.js';
import type { FeedbackTag, Rating } from '../../call/history/entry.js';
import type { ShareEndReason, ShareProblem, ShareSource } from '../../call/share.js';
import type { FileNotice } from '../../call/files/notices.js';

/** One formatter per number of digits: toLocaleString with options builds a new one at each call (0.26 ms vs 2 µs in Node here). */
const formats = new Map<number, Intl.NumberFormat>();
const number = (value: number, digits = 0) => {
  let format = formats.get(digits);
  if (!format) {
    format = new Intl.NumberFormat('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formats.set(digits, format);
  }
  return format.format(value);
};
const plural = new Intl.PluralRules('en');
/** "1 minute", "2 minutes". */
const count = (n: number, one: string, other: string) =>
  `${number(n)} ${plural.select(n) === 'one' ? one : other}`;
/** "~120 kbps", "~1.5 Mbps". */
const rate = (kbps: number) =>
  kbps >= 1000 ? `~${number(kbps / 1000, 1)} Mbps` : `~${number(Math.round(kbps / 10) * 10)} kbps`;
/** "30 seconds", "2 minutes". */
const duration = (ms: number) => {
  const seconds = Math.max(1, Math.round(ms / 1000));
  return seconds < 90
    ? count(seconds, 'second', 'seconds')
    : count(Math.round(seconds / 60), 'minute', 'minutes');
};
/** "12 bytes", "312 KiB", "1.5 GiB". */
const bytes = (n: number) => {
  if (n < 1024) return count(n, 'byte', 'bytes');
  let value = n;
  let unit = '';
  for (const u of ['KiB', 'MiB', 'GiB']) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return `${number(value, Number.isInteger(value) ? 0 : 1)} ${unit}`;
};
/** Text before and after something shown apart (keys, a bold word…). */
type Around = readonly [before: string, after: string];
/** Text before, the bold words, and after. */
type Bold = readonly [before: string, bold: string, after: string];

const quoted = (title: string) => `‘${title.trim()}’`;

const VIDEO_QUALITY = { high: 'full quality', medium: 'medium quality', low: 'low quality' } as const;
const upload = (kbps: number | undefined) => (kbps === undefined ? '' : ` (upload ${rate(kbps)})`);
const lost = (percent: number | undefined) => (percent === undefined ? '' : ` (~${number(percent)}% lost)`);
const NO_FALLBACK = ' Automatic audio-only is off in your settings.';

export const en = {
  /** BCP 47 tag: the `lang` attribute and number formats. */
  locale: 'en',
  /** Figures in the user's language. */
  number,

  titles: {
    popup: 'Diyalog',
    sidepanel: 'Diyalog call',
    join: 'Join a Diyalog call',
    options: 'Diyalog options',
    welcome: 'Welcome to Diyalog',
    permission: 'Diyalog — camera and microphone',
    history: 'Diyalog call history',
  },

  /** The status line. */
  status: {
    idle: 'Ready to start a call',
    preparing: 'Starting your camera…',
    waiting: 'Waiting for someone to join',
    ready: 'Ready to join',
    connecting: 'Connecting…',
    /** A group call still connecting past the connect time (signaling is fine; the pairs keep being tried). */
    stillConnecting: (others: number) =>
      `Still connecting to ${count(others, 'person', 'people')}… the call keeps trying`,
    connected: 'Connected',
    /** Connected, but nothing arrives from the other side (the picture froze) for a second or more. */
    unstable: 'Connection unstable…',
    reconnecting: (seconds: number) => `Reconnecting… (${number(seconds)} s)`,
    lost: 'Connection lost',
    /** A group call's notice, for a few seconds, when someone joins or leaves (the name as they gave it). */
    joined: (name: string) => `${name} joined`,
    left: (name: string) => `${name} left`,
    ended: {
      hangup: 'Call ended',
      'remote-hangup': 'Call ended — the other person hung up',
      'peer-left': 'Call ended — the other person left or lost their connection',
    },
    /** Added after the phase while we send no video. */
    audioOnly: 'Audio only',
    /** Added after the phase while a call that needs the server has lost it. */
    serverLost: 'reconnecting to the server…',
  },

  /** Failures, each with what to do (src/call/errors.ts has the kinds). */
  errors: {
    'media-denied':
      'Diyalog is not allowed to use your camera and microphone. Allow them for this page in the browser’s site settings (the icon left of the address bar), then try again.',
    'media-unavailable':
      'No camera or microphone could be started. Check that one is connected and not in use by another app, then try again.',
    'server-unreachable':
      'The Diyalog server cannot be reached. Check your connection (or that the server is running) and try again.',
    'server-error': 'The Diyalog server refused the connection. Try again in a moment.',
    'link-invalid':
      'This invite link is incomplete or damaged. Ask the person who invited you to copy the link again.',
    'room-empty':
      'Nobody is waiting in this call. The person who invited you may have hung up — ask them for a new link.',
    'id-taken': 'This call is already open in another window.',
    unauthorized:
      'The call refused this invite link: its secret part is wrong or missing. Ask for the link again and paste all of it.',
    busy: 'This call already has someone in it.',
    full: 'This call is full. Ask someone in it to make room, or start a new call.',
    'connection-failed':
      'Could not connect to the other person. A firewall may be blocking the call; try again, or from another network.',
  } satisfies Record<CallErrorKind, string>,

  /** The quality banner's sentence for a decision of the quality policy. */
  decision(m: DecisionMessage): string {
    switch (m.kind) {
      case 'forced-audio-only':
        return 'Audio only, as you chose. Video stays off until you turn it back on.';
      case 'forced-video': {
        const paused =
          m.pausedForMs === undefined ? 'until you switch it back on' : `for ${duration(m.pausedForMs)}`;
        return `Video on at ${VIDEO_QUALITY[m.quality]}, as you asked — it may freeze on this connection. Automatic audio-only is paused ${paused}.`;
      }
      case 'probing-released':
        return 'Turning video back on — checking your connection first…';
      case 'probing-audio':
        return 'Audio only — checking whether your connection can carry video again…';
      case 'probing-video':
        return `Video at ${VIDEO_QUALITY[m.quality]} — checking whether your connection can carry better video…`;
      case 'audio-only-loss':
        return `Audio only — your connection is losing too much data for video${lost(m.lossPercent)}. Video will come back by itself.`;
      case 'audio-only-slow':
        return `Audio only — your connection is too slow for video${upload(m.uploadKbps)}. Video will come back by itself.`;
      case 'lowered-slow':
        return `Video lowered to ${VIDEO_QUALITY[m.quality]} — your connection is slow${upload(m.uploadKbps)}.${m.noFallback ? NO_FALLBACK : ''}`;
      case 'lowered-loss':
        return `Video lowered to ${VIDEO_QUALITY[m.quality]} — your connection is losing data${lost(m.lossPercent)}.${m.noFallback ? NO_FALLBACK : ''}`;
      case 'stays':
        return `Video stays at ${VIDEO_QUALITY[m.quality]} — your connection cannot carry more right now${upload(m.uploadKbps)}.`;
      case 'back-low-no-fallback':
        return 'Video is back at low quality — automatic audio-only is off in your settings.';
      case 'back':
        return m.quality === 'high'
          ? 'Video is back to full quality.'
          : `Video is back at ${VIDEO_QUALITY[m.quality]} — it will improve by itself if your connection allows.`;
      case 'at':
        return `Video at ${VIDEO_QUALITY[m.quality]}.`;
    }
  },

  /** The call view (side panel and join page). */
  call: {
    region: 'Call',
    reconnectingBanner:
      'The connection dropped. Reconnecting by itself — the call picks up where it left off.',
    lostBanner: "Connection lost. Your network or the other person's may be down; the call is kept open.",
    tryAgain: 'Try again',
    tryVideo: 'Try video anyway',
    remoteVideo: 'Remote video',
    /** A group call's tile (the name as they gave it, or "Guest n"). */
    /** Our own tile's caption: our name (or "Guest n") marked as ourselves. */
    yourself: (name: string) => `${name} (you)`,
    remoteVideoOf: (name: string) => `Remote video: ${name}`,
    participants: 'Participants',
    micMuted: 'Microphone muted',
    copyInvite: 'Copy invite link',
    inviteCopied: 'Invite link copied',
    yourVideo: 'Your video',
    cameraOff: 'Camera off',
    audioOnly: 'Audio only',
    muted: 'Muted',
    remotePaused: {
      user: 'The other person switched to audio only',
      'poor-connection': "The other person's video is paused: poor connection",
    },
    /** The other side still sends video, held at the lowest quality by its connection. */
    remoteLowered: "The other person's connection is poor: their video is at low quality",
    mute: 'Mute',
    unmute: 'Unmute',
    cameraOffButton: 'Turn camera off',
    cameraOnButton: 'Turn camera on',
    audioOnlyButton: 'Audio only',
    videoBackButton: 'Turn video back on',
    details: 'Connection details',
    hangUp: 'Hang up',
    playSound: 'Play sound',
    /** "Guest 1", "Guest 2"… for a participant who has not said their name. */
    guest: (index: number) => `Guest ${number(index)}`,
  },

  /** The connection-details panel. */
  quality: {
    levels: {
      high: 'Full quality',
      medium: 'Medium quality',
      low: 'Low quality',
      'audio-only': 'Audio only',
    } satisfies Record<QualityLevel, string>,
    /** A measured figure with its unit ("120 kbps", "6.4 %"), or a dash while unknown. */
    figure: (value: number | undefined, unit: 'kbps' | 'ms' | 'fps' | '%', digits = 0) =>
      value === undefined ? '–' : `${number(value, digits)} ${unit}`,
    mos: 'Call quality (MOS)',
    upload: 'Upload',
    /** "120 kbps (room for 900 kbps)". */
    uploadValue: (sent: string, room: string) => `${sent} (room for ${room})`,
    download: 'Download',
    lost: 'Lost (sent / received)',
    roundTrip: 'Round trip',
    jitter: 'Jitter',
    videoSent: 'Video sent',
    videoReceived: 'Video received',
    /** "640×480 at 30 fps". */
    videoValue: (size: string, fps: string) => `${size} at ${fps}`,
    none: 'none',
    sending: 'Sending',
    autoFallback: 'Switch to audio only automatically when the connection is poor',
    barsMeasuring: 'Connection quality: measuring',
    bars: (bars: number) => `Connection quality: ${number(bars)} of 5 bars`,
  },

  /** Sharing a tab (or, in Firefox, a window or screen). */
  share: {
    button: (source: ShareSource): string =>
      source === 'display' ? 'Share a window or your screen' : 'Share this tab',
    starting: 'Starting to share…',
    question: (title: string, source: ShareSource) =>
      source === 'display'
        ? 'Share a window or your screen with the call?'
        : `Share ${title.trim() === '' ? 'this tab' : quoted(title)} with the call?`,
    explanation: (source: ShareSource): string =>
      source === 'display'
        ? 'The browser asks which window or screen to show. The other person will see it until you stop sharing.'
        : 'The other person will see this tab and hear its sound until you stop sharing. Your other tabs stay private.',
    confirm: (source: ShareSource): string => (source === 'display' ? 'Choose what to share' : 'Share tab'),
    cancel: 'Cancel',
    sharing: (title: string, source: ShareSource) =>
      title.trim() === ''
        ? source === 'display'
          ? 'You are sharing a window or your screen'
          : 'You are sharing this tab'
        : `You are sharing ${quoted(title)}`,
    region: 'Sharing',
    stop: 'Stop sharing',
    remote: (title: string) =>
      title.trim() === ''
        ? 'The other person is sharing a tab'
        : `The other person is sharing ${quoted(title)}`,
    dismiss: 'Dismiss',
    problems: {
      'not-invoked':
        'Chrome lets Diyalog share a tab only after you click the Diyalog button in the toolbar while that tab is open. Go to the tab, click the Diyalog button, then “Share this tab”.',
      'not-capturable':
        'This tab cannot be shared: browsers do not let extensions show their own pages (such as chrome:// pages, settings or the Web Store). Open the page you want to show in a normal tab and share that.',
      'permission-denied':
        'The browser did not allow sharing the tab, so the call still shows your camera. Try again, and allow it if the browser asks.',
      'no-tab':
        'There is no tab to share in this window. Open the page you want to show, then “Share this tab”.',
      unsupported: 'This browser cannot share a tab from Diyalog. The call goes on with your camera.',
      'not-connected': 'You can share a tab once the other person has joined the call.',
      failed: 'The tab could not be shared. Try again; if it keeps failing, reload the tab first.',
    } satisfies Record<ShareProblem, string>,
    ended: {
      'tab-closed': 'Sharing stopped: the shared tab was closed. The call shows your camera again.',
      'tab-navigated':
        'Sharing stopped: the shared tab went to another page. Share it again if you want to show the new page.',
      'stopped-in-browser': 'Sharing was stopped from the browser. The call shows your camera again.',
    } satisfies Record<Exclude<ShareEndReason, 'user' | 'call-ended'>, string>,
    /** The popup, when a share fails for a reason the browser gave in its own words. */
    otherFailure: (detail: string) => `This tab could not be shared: ${detail}`,
  },

  chat: {
    button: 'Chat',
    buttonUnread: (unread: number) => `Chat, ${number(unread)} unread`,
    region: 'Chat',
    messages: 'Messages',
    message: 'Message',
    send: 'Send',
    you: 'You',
    someone: 'Someone',
    lateJoin: 'Messages sent before you joined are not shown',
    earlier: (hidden: number) =>
      hidden === 1 ? 'Show 1 earlier message' : `Show ${number(hidden)} earlier messages`,
    empty: 'Write a message first.',
    tooLong: (bytes: number) =>
      `This message is too long (${number(bytes)} bytes; at most 4 KiB). Split it into shorter messages.`,
    refusedTooLong: (name: string) => `${name} sent a message longer than 4 KiB; it was not shown.`,
    undelivered: (names: readonly string[]) =>
      `Not delivered to ${new Intl.ListFormat('en', { type: 'conjunction' }).format(names)} yet — sent again when the connection is back`,
  },

  files: {
    region: 'Files',
    send: 'Send a file',
    input: 'File to send',
    list: 'File transfers',
    limit: (limit: number) =>
      `Or drop files onto the call. Files up to ${bytes(limit)} can be received (they are held in memory until saved).`,
    dropHint: 'Drop to send to everyone in the call',
    from: (who: string, size: number) => `from ${who}, ${bytes(size)}`,
    to: (who: string, size: number) => `to ${who}, ${bytes(size)}`,
    someone: 'Someone',
    percent: (percent: number) => `${number(percent)}%`,
    speed: (bytesPerSecond: number) => `${number(bytesPerSecond / 1e6, 1)} MB/s`,
    left: (seconds: number) =>
      seconds < 60 ? `${number(Math.ceil(seconds))} s left` : `${number(Math.ceil(seconds / 60))} min left`,
    paused: ' — paused until the connection is back',
    waiting: ' — waiting for them to accept',
    received: 'Received and verified',
    sent: 'Sent',
    accept: 'Accept',
    decline: 'Decline',
    cancel: 'Cancel',
    save: 'Save',
    notice(n: FileNotice): string {
      const who = 'who' in n ? (n.who ?? 'Someone') : '';
      switch (n.code) {
        case 'too-big':
          return `“${n.name}” is larger than ${bytes(n.limit)}, the most this browser can receive in a call; it was declined.`;
        case 'declined':
          return `${who} declined the file.`;
        case 'cancelled-by':
          return `${who} cancelled the transfer.`;
        case 'cancelled-by-you':
          return 'You cancelled the transfer.';
        case 'left':
          return `${who} left the call; the transfer stopped.`;
        case 'damaged':
          return 'The file arrived damaged (its SHA-256 does not match what was sent); it was not kept.';
        case 'refused-there':
          return `${who}'s browser refused the transfer.`;
        case 'damaged-there':
          return `The file arrived damaged at ${who}'s side and was not kept.`;
        case 'short':
          return `The transfer ended at ${number(n.got)} of ${bytes(n.size)}; the file was not kept.`;
        case 'overrun':
          return `The sender sent more than the ${bytes(n.size)} it announced; the transfer was stopped.`;
        case 'gap':
          return 'Parts of the file arrived out of order; the transfer was stopped.';
        case 'unknown':
          return `${who} sent file data for a transfer that does not exist or was declined; it was ignored.`;
        case 'duplicates':
          return `${count(n.count, 'repeated piece', 'repeated pieces')} ignored.`;
        case 'read-failed':
          return 'The file could not be read any more (moved or deleted?); the transfer was stopped.';
        case 'check-failed':
          return 'This browser could not compute the file’s SHA-256 to check it; the transfer was stopped.';
        case 'no-channel':
          return `${who}'s browser cannot receive files in this call.`;
      }
    },
  },

  diagnostics: {
    hideAddresses: 'Hide network addresses',
    save: 'Save diagnostics',
    saved: (kilobytes: number, redacted: boolean) =>
      `Saved (${number(kilobytes)} KB). It holds no link or keys${redacted ? ' and no network addresses' : ''}.`,
  },

  feedback: {
    title: 'How was this call?',
    ratingGroup: 'Rating from 1 to 5',
    ratings: { 1: 'Very bad', 2: 'Bad', 3: 'OK', 4: 'Good', 5: 'Very good' } satisfies Record<Rating, string>,
    wrong: 'What went wrong? (optional)',
    tags: {
      'video froze': 'Video froze',
      "couldn't hear": 'Could not hear',
      echo: 'Echo',
      "couldn't connect": 'Could not connect',
    } satisfies Record<FeedbackTag, string>,
    send: 'Send feedback',
    skip: 'Skip',
    note: 'Stays in your call history on this computer.',
    thanks: 'Thanks — your answer is in your call history.',
  },

  popup: {
    startCall: 'Start call',
    openPanel: 'Open call panel',
    shareTab: 'Share this tab',
    copied: 'Invite link copied. Paste it to the person you want to call.',
    notCopied: 'The invite link could not be copied. Copy it from the side panel.',
    noPanel: 'This browser has no side panel for Diyalog: use Chrome 116 or later, or Firefox.',
    panelFailed: (detail: string) => `Could not open the call panel: ${detail}`,
    /** Before and after the shortcut's keys. */
    shortcut: ['Shortcut: ', ' starts a call or opens the panel.'] as Around,
    noShortcut: 'Set a keyboard shortcut for Diyalog in the browser’s extension shortcut settings.',
    history: 'Call history',
    /** "Join a call": someone's link, pasted or from the clipboard; the call runs in the side panel. */
    join: 'Join a call',
    joinPlaceholder: 'Paste an invite link',
    joinCall: 'Join call',
    joinEmpty: 'Paste the invite link you were sent, then click “Join call”.',
  },

  sidepanel: {
    history: 'Call history',
    needsPermission: 'Diyalog needs your camera and microphone. Allow them in the tab that just opened.',
    cameraSlow:
      'Your camera has not started. The browser may be waiting for a permission it cannot ask for here: click “Allow camera and microphone”, tick “Remember this decision” if the browser offers it, and allow.',
    allow: 'Allow camera and microphone',
    lead: 'Start a call, send the link, and talk as soon as they open it. No account needed.',
    yourName: 'Your name',
    namePlaceholder: 'Shown to the others in a call',
    startCall: 'Start call',
    settings: 'Settings',
    serverUrl: 'Server URL',
    saveServer: 'Save server',
    inviteLink: 'Invite link',
    copyLink: 'Copy invite link',
    linkCopied: 'Link copied. Paste it to the person you want to call.',
    sendLink: 'Send this link to the person you want to call.',
    hangUp: 'Hang up',
    tryAgain: 'Try again',
    newCall: 'Start a new call',
  },

  join: {
    heading: 'Join a Diyalog call',
    insecure:
      'This call page was opened over an insecure connection, so the browser will not let it use your camera. The Diyalog server must be reached over HTTPS: tell the person who runs it.',
    nobodyYet: 'Nobody is in this call yet. You can join as soon as the person who invited you is there.',
    joinCall: 'Join call',
    yourName: 'Your name',
    namePlaceholder: 'Shown to the others in the call',
    closeTab: 'You can close this tab.',
    tryAgain: 'Try again',
    footer: 'Video and sound go directly between you and the others in the call, end-to-end encrypted.',
  },

  settings: {
    serverUrlInvalid: 'The server URL must start with http:// or https://',
  },

  options: {
    heading: 'Diyalog options',
    you: 'You',
    name: 'Your name',
    namePlaceholder: 'Shown to the people you call',
    media: 'Camera and microphone',
    camera: 'Camera',
    microphone: 'Microphone',
    browserDefault: 'The browser’s default',
    cameraN: (n: number) => `Camera ${number(n)}`,
    microphoneN: (n: number) => `Microphone ${number(n)}`,
    preview: 'Camera preview',
    level: 'Microphone level',
    stopTest: 'Stop the test',
    test: 'Test my camera and microphone',
    testDenied:
      'The browser did not allow the camera and microphone. Allow them for Diyalog, then test again.',
    testUnavailable:
      'No camera or microphone could be started. Check that one is connected and not used by another app.',
    calls: 'Calls',
    serverUrl: 'Server URL',
    saveServer: 'Save server',
    serverSaved: 'Server URL saved.',
    joinPageUrl: 'Join page URL (optional)',
    joinPagePlaceholder: 'The server’s own',
    joinPageHint:
      'Only if your server’s operator serves the join page from a separate address: invite links then open there.',
    saveJoinPage: 'Save join page',
    joinPageSaved: 'Join page URL saved.',
    nameSaved: 'Name saved.',
    saved: 'Saved.',
    devicesSaved: 'Camera and microphone saved.',
  },

  permission: {
    heading: 'Camera and microphone for Diyalog',
    /** Where the call runs: Chrome's side panel or Firefox's sidebar. */
    intro: (sidebar: boolean) =>
      `Diyalog’s ${sidebar ? 'sidebar' : 'side panel'} cannot ask for your camera and microphone itself, so the browser asks here, once. Your video and sound go straight to the person you call, never to a server.`,
    firefoxRemember:
      'Tick “Remember this decision” in Firefox’s prompt before you click Allow: the sidebar cannot ask again, so without it your call cannot start.',
    asking: 'Waiting for your answer in the browser’s prompt…',
    granted: (sidebar: boolean) =>
      `Thanks — your call is starting in the ${sidebar ? 'sidebar' : 'side panel'}. You can close this tab.`,
    denied:
      'Access was refused. Click the camera icon at the right of the address bar (or the site-settings icon at its left), allow the camera and microphone, then try again.',
    unavailable:
      'No camera or microphone could be started. Check that one is connected and not used by another app.',
    tryAgain: 'Try again',
  },

  welcome: {
    heading: 'Welcome to Diyalog',
    lead: 'Video calls with one click: send a link, and whoever opens it talks with you. No account needed.',
    pinHeading: 'Pin Diyalog to the toolbar',
    /** Parts around the bold words (Firefox: "Pin to Toolbar"; Chrome: "Diyalog"). */
    pinFirefox: [
      'Click the Extensions button (the puzzle piece) in the toolbar, then the gear next to Diyalog, and choose ',
      'Pin to Toolbar',
      '.',
    ] as Bold,
    pinChrome: [
      'Click the Extensions button (the puzzle piece) right of the address bar, then the pin next to ',
      'Diyalog',
      '.',
    ] as Bold,
    startHeading: 'Start a call',
    /** "Click the Diyalog button, then **Start call**[, or press **keys**]. The invite link is…" */
    start: {
      before: 'Click the Diyalog button, then ',
      button: 'Start call',
      afterButton: '',
      shortcutBefore: ', or press ',
      shortcutAfter: '',
      after: (sidebar: boolean) =>
        `. The invite link is copied, and the ${sidebar ? 'sidebar' : 'side panel'} shows your camera while you wait.`,
    },
    sendHeading: 'Send the link',
    send: [
      'Paste it to the person you want to call. They open it in any browser, click ',
      'Join call',
      ', and you see and hear each other.',
    ] as Bold,
    /** Around the server's address (shown in parentheses after "the Diyalog server"). */
    note: (firefox: boolean) =>
      [
        `The first call asks once for your camera and microphone${firefox ? ': tick “Remember this decision” so that the sidebar can use them' : ''}. Video and sound go straight between the two browsers; the Diyalog server`,
        'only introduces you.',
      ] as Around,
    options: 'Options: your name, camera, server',
  },

  history: {
    heading: 'Call history',
    totals: 'Totals',
    calls: 'Calls',
    joined: 'Joined (reached Connected)',
    averageBitrate: 'Average bitrate',
    averageMos: 'Average call quality (MOS)',
    incidents: 'Degradation incidents',
    legendMos: 'Call quality (MOS, 1–5)',
    legendBitrate: 'Bitrate (up + down)',
    empty: 'No calls yet. Calls you make appear here, with how they went.',
    duration: (seconds: number) =>
      seconds < 60
        ? `${number(seconds)} s`
        : `${number(Math.floor(seconds / 60))} min ${number(seconds % 60)} s`,
    percent: (fraction: number) => `${number(fraction * 100)} %`,
    kbps: (kbps: string) => `${kbps} kbps`,
    participants: (n: number) => count(n, 'participant', 'participants'),
    notConnected: 'Did not connect',
    /** `failure`: an error kind from the recording (worded by `errors` where known). */
    mos: (mos: string) => `MOS ${mos}`,
    audioOnly: (seconds: number) => `audio only ${number(seconds)} s`,
    reconnects: (n: number) => count(n, 'reconnect', 'reconnects'),
    rated: (rating: number, tags: string) => `Rated ${number(rating)}/5${tags === '' ? '' : ` – ${tags}`}`,
    notRated: 'Not rated',
    noQuality: 'No quality measured in this call',
    chart: (minMos: string, maxMos: string, maxKbps: string) =>
      `MOS from ${minMos} to ${maxMos}; bitrate up to ${maxKbps} kbps`,
    settings: 'Settings',
    sendReports:
      'Send a summary of each call to the server (duration, quality, rating, browser family — no names, links or addresses)',
    clear: 'Clear history',
    clearConfirm: 'Delete the history of all calls on this computer?',
  },
};

export type Text = typeof en;
