import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';

/**
 * Loading a mediasoup Device probes a peer connection (tens of ms or more on a phone). Every room
 * router has the same capabilities, so the device is loaded once, early (while the user logs in), and
 * reused by every (re)join whose router reports the same capabilities.
 */
export class DeviceCache {
  #key = '';
  #device: Promise<Device> | undefined;

  /** The device loaded last (usually the one loaded at login), if any. */
  current(): Promise<Device> | undefined {
    return this.#device;
  }

  load(routerRtpCapabilities: types.RtpCapabilities): Promise<Device> {
    const key = JSON.stringify(routerRtpCapabilities);
    if (this.#device && key === this.#key) return this.#device;
    this.#key = key;
    this.#device = (async () => {
      const device = new Device();
      await device.load({ routerRtpCapabilities });
      return device;
    })();
    this.#device.catch(() => {
      if (this.#key === key) this.#device = undefined;
    });
    return this.#device;
  }
}
