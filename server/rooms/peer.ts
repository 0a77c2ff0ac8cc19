import type { PublicUser } from '../../protocol/http.js';
import type { Notification, PeerInfo } from '../../protocol/signalling.js';
import type { MediaParticipant } from '../../media/media-participant.js';

export type Notify = (notification: Notification) => void;

/** A signalling connection's presence in one room. Its media is replaced when the room's media restarts. */
export class Peer {
  /** Producers the member paused (mute). In a talk group the server also pauses audio it gates; that is not a mute. */
  readonly muted = new Set<string>();

  constructor(
    readonly id: string,
    readonly user: PublicUser,
    readonly notify: Notify,
    public media: MediaParticipant,
  ) {}

  info(): PeerInfo {
    return {
      id: this.id,
      user: this.user,
      producers: this.media.producers().map((p) => ({
        id: p.id,
        kind: p.kind,
        source: p.appData.source,
        paused: this.muted.has(p.id),
      })),
    };
  }
}
