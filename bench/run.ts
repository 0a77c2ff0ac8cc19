/** npm run bench -- NAME : runs one benchmark, prints its table and writes bench/results/NAME.json. */
import { benchIngest } from './ingest.js';
import { benchJoin } from './join.js';
import { benchPtt } from './ptt.js';
import { benchSip } from './sip.js';

const benches: Record<string, () => Promise<void>> = { join: () => benchJoin(), ingest: () => benchIngest(), ptt: () => benchPtt(), sip: () => benchSip() };

const name = process.argv[2] ?? '';
const bench = benches[name];
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}>`);
  process.exit(2);
}
await bench();
