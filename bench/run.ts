/** npm run bench -- NAME : runs one benchmark, prints its table and writes bench/results/NAME.json. */
import { benchIngest } from './ingest.js';
import { benchJoin } from './join.js';
import { benchLoad } from './load.js';
import { benchPtt } from './ptt.js';
import { benchSip } from './sip.js';
import { measureLegsPerCore } from './sip-legs.js';
import { machine, writeResult } from './stats.js';

const benches: Record<string, () => Promise<void>> = {
  join: () => benchJoin(),
  ingest: () => benchIngest(),
  ptt: () => benchPtt(),
  sip: () => benchSip(),
  load: () => benchLoad(),
  // The SIP legs figure alone; `sip` (the full SIP benchmark) uses measureLegsPerCore too.
  'sip-legs': async () => {
    const result = await measureLegsPerCore();
    console.log(`legs_per_core ${result.legs_per_core} (${result.max_gap_free_legs} legs gap-free at ${result.cpu_fraction_at_max} cores)`);
    console.log(await writeResult('sip-legs', { ...result, machine: machine() }));
  },
};

const name = process.argv[2] ?? '';
const bench = benches[name];
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}>`);
  process.exit(2);
}
await bench();
