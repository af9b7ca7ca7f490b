// @thaunknown/simple-peer ships no types; this declares the part Diyalog uses.
declare module '@thaunknown/simple-peer' {
  import type { SignalData } from '../call/protocol.js';

  export interface SimplePeerOptions {
    initiator?: boolean;
    stream?: MediaStream;
    trickle?: boolean;
    config?: RTCConfiguration;
    sdpTransform?: (sdp: string) => string;
  }

  export default class SimplePeer {
    constructor(options?: SimplePeerOptions);
    readonly _pc: RTCPeerConnection;
    signal(data: SignalData): void;
    send(data: string): void;
    destroy(error?: Error): void;
    on(event: string, listener: (...args: never[]) => void): this;
  }
}
