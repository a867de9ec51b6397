#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm run build puts it under dist/).
import('../dist/src/cli/main.js').then((cli) => cli.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code ?? 0; },
  (error) => { console.error(`sketchprune: ${error?.message ? error.message : error}`); process.exitCode = 1; },
);
