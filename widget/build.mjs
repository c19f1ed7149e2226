// Builds dist/: the entry atelier-personalizer.js (small: the element and the UI), the chunks it
// loads lazily (the validator with HarfBuzz and the character tables, model-viewer), the wasm
// beside them (found from the chunk's own URL), and manifest.json, whose version (the first 12
// hex digits of the entry's sha256) the gateway serves the files under, immutably.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const ENTRY = 'atelier-personalizer.js';
const dist = 'dist';
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
await esbuild.build({
  entryPoints: { 'atelier-personalizer': 'src/atelier-personalizer.js' },
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['chrome111', 'firefox115', 'safari16.4'],
  minify: true,
  outdir: dist,
  chunkNames: '[name]-[hash]',
  loader: { '.json': 'json' },
  legalComments: 'linked',
  logLevel: 'warning',
  // harfbuzz.js imports node's "module" only when it runs in node, never in a browser
  external: ['module'],
});
copyFileSync('node_modules/harfbuzzjs/dist/harfbuzz.wasm', join(dist, 'harfbuzz.wasm'));
const entry = readFileSync(join(dist, ENTRY));
const version = createHash('sha256').update(entry).digest('hex').slice(0, 12);
const files = readdirSync(dist).sort();
writeFileSync(join(dist, 'manifest.json'), `${JSON.stringify({ version, entry: ENTRY, files }, null, 2)}\n`);
console.log(`widget ${version}: ${files.length} files`);
