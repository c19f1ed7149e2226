// Validates a glTF or GLB file with the Khronos glTF validator and prints its JSON report.
// Usage: node tools/node/validate-gltf.mjs FILE  (exit 0; the report's issues say the verdict)
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const validator = require("gltf-validator");

const path = process.argv[2];
if (!path) {
  console.error("usage: validate-gltf.mjs FILE");
  process.exit(2);
}
const data = new Uint8Array(await readFile(path));
const report = await validator.validateBytes(data, {
  uri: path,
  maxIssues: 0,
  writeTimestamp: false,
  // an asset that points outside itself is reported, never fetched
  externalResourceFunction: (uri) => Promise.reject(new Error(`external resource ${uri}`)),
});
console.log(JSON.stringify(report, null, 1));
