// Bundles the web client (TypeScript + mediasoup-client + socket.io-client) into dist/.
import { build } from 'esbuild';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist');
await mkdir(out, { recursive: true });
// The command console (app.js) and the field page (field.js) share one bundle configuration.
await build({
  entryPoints: { app: path.join(here, 'src/main.ts'), field: path.join(here, 'src/field/main.ts') },
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'safari16', 'firefox115'],
  minify: true,
  sourcemap: true,
  outdir: out,
  logLevel: 'warning',
});
for (const f of ['index.html', 'field.html', 'styles.css', 'manifest.webmanifest', 'icon.svg', 'sw.js']) await cp(path.join(here, f), path.join(out, f));
await cp(path.join(here, '../node_modules/leaflet/dist/leaflet.css'), path.join(out, 'leaflet.css'));
