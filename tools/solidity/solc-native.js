#!/usr/bin/env node
// A native-`solc` stand-in backed by solc-js, for tools that run a solc
// binary (forge, slither via crytic-compile): answers `--version` and
// `--standard-json` (input on stdin, output on stdout); source units not in
// the input are read from disk, relative to the working directory, the
// `--base-path` and every `--include-path`.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(
    `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`,
  );
  process.exit(0);
}
if (!args.includes('--standard-json')) {
  process.stderr.write('solc-native.js supports only --version and --standard-json\n');
  process.exit(1);
}
const roots = [process.cwd()];
args.forEach((arg, index) => {
  if ((arg === '--base-path' || arg === '--include-path') && args[index + 1]) {
    roots.push(path.resolve(args[index + 1]));
  }
});
roots.push(path.join(__dirname, 'node_modules'));

function findImports(importPath) {
  for (const root of roots) {
    const candidate = path.isAbsolute(importPath) ? importPath : path.join(root, importPath);
    try {
      return { contents: fs.readFileSync(candidate, 'utf8') };
    } catch (error) {
      // try the next root
    }
  }
  return { error: `not found: ${importPath}` };
}

const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImports }));
