// Copies the pinned npm files the web UI serves into catalog/static/vendor/, each with its licence.
// The copies are committed, so a fresh machine and the production image need no node: run `npm ci && npm run vendor`
// after changing package.json, and commit what changed under catalog/static/vendor/.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const VENDOR_DIR = "catalog/static/vendor";

// package name -> files (paths inside the package) to serve; the licence is copied beside them.
const FILES = {
  "@picocss/pico": { dir: "pico", files: ["css/pico.min.css"], licence: "LICENSE.md" },
  cytoscape: { dir: "cytoscape", files: ["dist/cytoscape.min.js"], licence: "LICENSE" },
};

rmSync(VENDOR_DIR, { recursive: true, force: true });
const versions = [];
for (const [name, { dir, files, licence }] of Object.entries(FILES)) {
  const source = join("node_modules", name);
  const manifest = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
  for (const file of [...files, licence]) {
    const target = join(VENDOR_DIR, dir, file.split("/").pop());
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(source, file), target);
  }
  versions.push(`${name} ${manifest.version} (${manifest.license}) -> ${dir}/`);
}
writeFileSync(join(VENDOR_DIR, "VERSIONS.txt"), versions.join("\n") + "\n");
console.log(versions.join("\n"));
