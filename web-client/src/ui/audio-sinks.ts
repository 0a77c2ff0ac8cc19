import type { RoomClient } from '../room-client.js';
import { h } from './dom.js';

/**
 * Plays every audio consumer of the client through its own <audio> element in `box` (browsers neither
 * play nor decode a remote track without a sink). Call on every client change.
 */
export function syncAudioSinks(client: RoomClient | undefined, box: HTMLElement): void {
  const playing = new Set<string>();
  for (const [producerId, consumer] of client?.consumers ?? []) {
    if (consumer.kind !== 'audio') continue;
    playing.add(producerId);
    if (box.querySelector(`audio[data-producer="${producerId}"]`)) continue;
    const audio = h('audio', { autoplay: true, 'data-producer': producerId });
    audio.srcObject = new MediaStream([consumer.track]);
    box.append(audio);
  }
  for (const el of [...box.querySelectorAll<HTMLAudioElement>('audio')]) if (!playing.has(el.dataset['producer'] ?? '')) el.remove();
}
