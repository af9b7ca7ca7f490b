import type { ChannelHandler } from '../handler.js';

/** What the other side sends: microphone on or muted, camera on or off (the receiver gets no event else). */
export const media: ChannelHandler<'media'> = {
  parse: (raw) =>
    typeof raw.audio === 'boolean' && typeof raw.video === 'boolean'
      ? { t: 'media', audio: raw.audio, video: raw.video }
      : undefined,
  handle: (context, message) => {
    context.remote.audio = message.audio;
    context.remote.video = message.video;
    context.changed();
  },
};
