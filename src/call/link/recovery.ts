import { Backoff } from '../backoff.js';
import type { PeerConnectionState, TimerHandle, Timers } from '../ports.js';
import type { LinkEvent, LinkState } from './link-machine.js';
import type { NamedTimers } from './named-timers.js';

/** ICE `disconnected` this long (it often comes back by itself within a second or two) means reconnecting. */
const DISCONNECTED_GRACE_MS = 2000;
/**
 * ICE restarts while reconnecting: one at once, then after 1 s, 2 s, 4 s, 4 s… (with jitter). A restart
 * needs ~1.5 s after the network returns before its candidates exist (shared/FIELD-NOTES.md), so retrying
 * faster would only cancel restarts that were about to work.
 */
const RESTART_BACKOFF = { baseMs: 1000, capMs: 4000 };
/** After a restored connection, how long before the quality monitor judges it again. */
const MONITOR_SETTLE_MS = 5000;
/** After a restored connection, how long the other side has to answer a ping before another restart… */
const CONFIRM_MS = 1000;
/** …and how many such restarts at most. */
const CONFIRM_ATTEMPTS = 3;
/** A restart this recent is still under way: a request from the other side does not replace it. */
const FRESH_RESTART_MS = 1000;

/** What recovery needs of its link. */
export interface RecoveryHost {
  readonly state: LinkState;
  dispatch(event: LinkEvent): void;
  /** One ICE restart (the initiator starts a generation; the other side asks it to). */
  restartIce(): Promise<void>;
  signalingOpen(): boolean;
  setUrgent(urgent: boolean): void;
  /** Whether signals still wait for the socket (a restart offer the other side needs keeps it urgent). */
  signalsPending(): boolean;
  probeSignaling(): void;
  ping(): void;
  stopMonitor(): void;
  startMonitor(): void;
  /** Says again what may have been lost while the path was down (media state, share). */
  resay(): void;
  changed(): void;
  reconnectLimitMs(): number;
  /** Restarts the media watch's clock (a restored path has a second to deliver before it counts as stalled). */
  watchFlowAgain(): void;
}

/**
 * A live link whose connection breaks restarts ICE through signaling until it is back, or says "Connection
 * lost" at the limit; a restored path is confirmed with a ping.
 */
export class Recovery {
  #peerState: PeerConnectionState = 'new';
  #brokenSince: number | undefined;
  #lastRestartAt = -Infinity;
  /** Signals made now say that a user's "Try again" is under way (see PeerLink.retry). */
  retrying = false;
  readonly #backoff = new Backoff(RESTART_BACKOFF);
  #tick: TimerHandle | undefined;

  constructor(
    private readonly host: RecoveryHost,
    private readonly named: NamedTimers,
    private readonly timers: Timers,
  ) {}

  /** The time of the last restart we made (for a request from the other side, see `requested`). */
  restarted(): void {
    this.#lastRestartAt = this.timers.now();
  }

  connectionState(state: PeerConnectionState): void {
    this.#peerState = state;
    if (state === 'connected') return this.#restored();
    const phase = this.host.state.phase;
    if (phase !== 'connected') return;
    // The outage started at the first sign of it; "Reconnecting… (n s)" counts from there.
    const at = (this.#brokenSince ??= this.timers.now());
    if (state === 'failed') this.#interrupt(at);
    else if (state === 'disconnected' && !this.named.has('disconnected')) {
      this.named.schedule('disconnected', DISCONNECTED_GRACE_MS, () => {
        if (this.#peerState !== 'connected') this.#interrupt(at);
      });
    }
  }

  /**
   * No media from the other side since `since`: the link is "unstable" until media flows again, and an
   * outage that ICE reports later counts from here ("Reconnecting… (n s)" from the frozen picture).
   * (Restarting ICE from here, before ICE reports anything, made a healed 25 s partition end the call in
   * the blackout e2e: left for issue 14's next step, with evidence first.)
   */
  stalled(since: number): void {
    if (this.host.state.phase !== 'connected') return;
    this.#brokenSince = Math.min(this.#brokenSince ?? since, since);
    // Nothing arrives: the quality policy must not learn from it either. Left running, it read a 25 s
    // partition's first six seconds (before ICE said anything) as a collapsed connection, and the call came
    // back in audio only and stayed so for the 30 s hold.
    this.named.cancel('monitor');
    this.host.stopMonitor();
    this.host.changed();
  }

  /**
   * Media arrives again (or ICE restored the path): the link is no longer unstable, and the quality monitor
   * judges it again once the stall's wake has passed, as after a restored path.
   */
  flowing(): void {
    if (this.#peerState === 'connected' && this.host.state.phase === 'connected') {
      this.#brokenSince = undefined;
      this.named.schedule('monitor', MONITOR_SETTLE_MS, () => this.host.startMonitor());
    }
    this.host.changed();
  }

  /** "Try again" after "Connection lost" (ours, or the other side's said in its signals). */
  resume(): void {
    if (this.host.state.phase !== 'lost') return;
    this.host.dispatch({ type: 'retry', at: this.timers.now() });
    this.#begin();
  }

  /** Signaling is back after a drop: restart ICE at once if the link needs it. */
  signalingBack(): void {
    if (this.host.state.phase !== 'reconnecting') return this.host.setUrgent(false);
    this.named.cancel('restart');
    this.#backoff.reset();
    this.#attempt();
  }

  /**
   * The initiator, asked by the other side: it alone saw the failure, or its signaling is back while ours
   * was not lost. A restart of ours younger than a second is left to finish (a new one would cancel it).
   */
  requested(): void {
    const phase = this.host.state.phase;
    // "Connection lost" stays until a user's "Try again" (which comes as `resume`, not as a plain request).
    if (phase === 'lost') return;
    const sinceLast = this.timers.now() - this.#lastRestartAt;
    // Requests come in bursts: the other side's socket, down through an outage, delivers every one it queued
    // once it is back. Each restarting anew (rollback, new offer) sent offers whose answers crossed, and an
    // answer applied in the wrong state made the browser's peer destroy itself: the call ended after the
    // network had come back (blackout e2e, linkDown for 25 s). One restart answers the whole burst.
    if (phase !== 'reconnecting') {
      if (sinceLast >= FRESH_RESTART_MS) void this.host.restartIce();
      return;
    }
    // While we restart on our own schedule, a request is a hint to try now: it takes the place of our
    // next attempt (which then follows the backoff from here), so that the two sides' schedules together
    // never restart faster than one of them would.
    if (sinceLast < FRESH_RESTART_MS) return;
    this.#attempt();
  }

  /**
   * Our signals did not reach the other side (its socket was down): our last restart is not under way, so
   * its request, which comes as soon as it is back, is answered at once rather than left to that restart.
   */
  undelivered(): void {
    this.#lastRestartAt = -Infinity;
  }

  /** The other side answered a ping: a restored path is confirmed. */
  answered(): void {
    if (!this.named.has('confirm')) return;
    this.named.cancel('confirm');
    this.retrying = false;
  }

  stop(): void {
    if (this.#tick !== undefined) this.timers.clearInterval(this.#tick);
    this.#tick = undefined;
  }

  #interrupt(at: number): void {
    if (this.host.state.phase !== 'connected') return;
    this.host.dispatch({ type: 'interrupted', at });
    this.#begin();
  }

  #begin(): void {
    this.named.cancel('disconnected');
    this.named.cancel('confirm');
    this.named.cancel('monitor');
    // A broken path says nothing about the connection's quality: the policy must not learn from it.
    this.host.stopMonitor();
    this.host.setUrgent(true);
    this.host.probeSignaling();
    this.#backoff.reset();
    this.#attempt();
    this.named.schedule('give-up', this.host.reconnectLimitMs(), () => {
      this.#end();
      this.host.dispatch({ type: 'give-up' });
    });
    this.#tick ??= this.timers.setInterval(() => this.host.changed(), 1000);
  }

  /** One restart now (when signaling can carry it), and the next one scheduled in case it does not work. */
  #attempt(): void {
    this.named.cancel('restart');
    if (this.host.state.phase !== 'reconnecting') return;
    if (this.host.signalingOpen()) void this.host.restartIce();
    this.named.schedule('restart', this.#backoff.next(), () => this.#attempt());
  }

  #restored(): void {
    this.named.cancel('disconnected');
    // Media is watched afresh from here: still nothing within a second, and the link is unstable again.
    this.host.watchFlowAgain();
    this.#brokenSince = undefined;
    const phase = this.host.state.phase;
    if (phase !== 'reconnecting' && phase !== 'lost') return;
    const retried = this.retrying;
    this.#end();
    this.host.dispatch({ type: 'connected' });
    this.#confirm(retried, CONFIRM_ATTEMPTS);
    // The first seconds of a restored path show the outage's wake (a collapsed bandwidth estimate, a burst
    // of loss), not the path: judged on them, the policy would drop a recovered call to audio only.
    this.named.schedule('monitor', MONITOR_SETTLE_MS, () => this.host.startMonitor());
    // What changed while the path was down is said again (the channel may have dropped it).
    this.host.resay();
  }

  /**
   * Our side of the path is back; is theirs? One side's ICE can recover by itself (it was only
   * `disconnected`) while the other's had `failed` and waits for a restart that was lost with the
   * signaling. A ping over the data channel tells: no pong within a second, restart once more (a user's
   * "Try again" still said, so that a side showing "Connection lost" comes back too).
   */
  #confirm(retried: boolean, attempts: number): void {
    if (attempts <= 0) return;
    this.named.schedule('confirm', CONFIRM_MS, () => {
      if (this.host.state.phase !== 'connected') return;
      this.retrying = retried;
      void this.host.restartIce();
      this.#confirm(retried, attempts - 1);
    });
    this.host.ping();
  }

  #end(): void {
    this.retrying = false;
    this.named.cancel('restart');
    this.named.cancel('give-up');
    this.stop();
    // Signals still waiting for the socket (a restart offer the other side needs) keep it urgent.
    if (!this.host.signalsPending() || this.host.signalingOpen()) this.host.setUrgent(false);
    this.#backoff.reset();
  }
}
