import SimplePeer, { type SimplePeerOptions } from '@thaunknown/simple-peer';
import type { SignalData } from '../call/protocol.js';

/** The internals of @thaunknown/simple-peer 10.1 this subclass works with (read from its lite.js). */
interface Internals {
  readonly initiator: boolean;
  readonly destroyed: boolean;
  readonly _destroying: boolean;
  readonly _connected: boolean;
  _pcReady: boolean;
  _isNegotiating: boolean;
  _queuedNegotiation: boolean;
  _maybeReady(): void;
  negotiate(): void;
  emit(event: string, ...args: unknown[]): boolean;
  __destroy(error?: Error): void;
}

export interface ResilientPeerOptions extends SimplePeerOptions {
  /** The full RTCConfiguration for a restart's fresh ICE servers (ours plus the server's). */
  readonly configFor: (iceServers: readonly RTCIceServer[]) => RTCConfiguration;
}

/**
 * simple-peer, minus the one thing a call cannot survive: upstream destroys the peer the moment ICE or
 * the connection fails, so a network outage of ~20 s ends the call (shared/FIELD-NOTES.md). Here a
 * failure is reported as a `connectionState` event, and `restartIce()` brings the same RTCPeerConnection
 * back — tracks, senders, the data channel and the remote stream all stay, so the UI keeps its tiles.
 *
 * Restarts: the initiator withdraws an offer still unanswered (it was lost with the signaling socket),
 * calls `RTCPeerConnection.restartIce()` and negotiates; the other side asks the initiator to, with
 * simple-peer's own `renegotiate` signal. A renegotiation the browser asks for (`negotiationneeded` after
 * the first connection, e.g. from `restartIce()` called on the connection) is carried out too.
 */
export class ResilientPeer extends SimplePeer {
  readonly #configFor: ResilientPeerOptions['configFor'];

  constructor({ configFor, ...options }: ResilientPeerOptions) {
    super(options);
    this.#configFor = configFor;
    const self = this as unknown as Internals;
    this._pc.addEventListener('negotiationneeded', () => {
      if (self.initiator && self._connected && !self._isNegotiating && this._pc.signalingState === 'stable')
        self.negotiate();
    });
  }

  /**
   * An answer belongs to an offer of ours still waiting for it. One that comes after a restart replaced
   * that offer cannot be applied, and upstream destroys the peer when applying fails: it is dropped here.
   */
  override signal(data: SignalData): void {
    if (data.type === 'answer' && this._pc.signalingState !== 'have-local-offer') return;
    super.signal(data);
  }

  /** Upstream destroys on `failed`; here the call decides (see Call's recovery). */
  _onConnectionStateChange(): void {
    const self = this as unknown as Internals;
    if (self.destroyed || self._destroying) return;
    self.emit('connectionState', this._pc.connectionState);
  }

  /** As upstream, except that a `failed` ICE connection is left to `restartIce()`. */
  _onIceStateChange(): void {
    const self = this as unknown as Internals;
    if (self.destroyed) return;
    const ice = this._pc.iceConnectionState;
    self.emit('iceStateChange', ice, this._pc.iceGatheringState);
    if (ice === 'connected' || ice === 'completed') {
      self._pcReady = true;
      self._maybeReady();
    }
    if (ice === 'closed') self.__destroy(new Error('Ice connection closed.'));
  }

  /** Upstream destroys on a candidate the connection refuses; one left over from before a restart is harmless. */
  _addIceCandidate(candidate: RTCIceCandidateInit): void {
    this._pc.addIceCandidate(new RTCIceCandidate(candidate)).catch(() => undefined);
  }

  restartIce(iceServers?: readonly RTCIceServer[]): void {
    const self = this as unknown as Internals;
    if (self.destroyed || self._destroying) return;
    if (iceServers) {
      try {
        this._pc.setConfiguration(this.#configFor(iceServers));
      } catch {
        // the connection refused the change: restart with the servers it has
      }
    }
    if (!self.initiator) {
      const request: SignalData = { type: 'renegotiate', renegotiate: true };
      self.emit('signal', request);
      return;
    }
    void this.#restartAsInitiator(self);
  }

  async #restartAsInitiator(self: Internals): Promise<void> {
    const pc = this._pc;
    if (pc.signalingState === 'have-local-offer') {
      await pc.setLocalDescription({ type: 'rollback' }).catch(() => undefined);
    }
    if (self.destroyed || self._destroying) return;
    pc.restartIce();
    self._isNegotiating = false;
    self._queuedNegotiation = false;
    self.negotiate();
  }
}
