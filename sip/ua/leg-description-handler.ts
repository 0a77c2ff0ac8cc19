import type { BodyAndContentType, SessionDescriptionHandler } from 'sip.js';
import { parseAudio, type RemoteAudio } from './sdp.js';

/** What a call gives its session: our SDP, and what to do with the peer's. */
export interface SdpBinding {
  /** Our offer or answer. */
  local(): string;
  /** The peer's offer or answer; throw to refuse it (sip.js then fails the session). */
  remote(audio: RemoteAudio): void;
}

/**
 * sip.js asks its SessionDescriptionHandler for SDP. Ours has no media engine of its own: the media
 * is a mediasoup PlainTransport behind an RTP port, so it only writes and reads plain SDP.
 */
export class LegDescriptionHandler implements SessionDescriptionHandler {
  #hasRemote = false;

  constructor(private readonly binding: SdpBinding) {}

  async getDescription(): Promise<BodyAndContentType> {
    return { body: this.binding.local(), contentType: 'application/sdp' };
  }

  hasDescription(contentType: string): boolean {
    return contentType === 'application/sdp';
  }

  async setDescription(sdp: string): Promise<void> {
    this.binding.remote(parseAudio(sdp));
    this.#hasRemote = true;
  }

  get hasRemote(): boolean {
    return this.#hasRemote;
  }

  /** DTMF towards the peer is not sent (the console has no keypad). */
  sendDtmf(): boolean {
    return false;
  }

  close(): void {
    // The leg is owned and closed by the call, not by the session.
  }
}
