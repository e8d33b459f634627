// Compiles Solidity with solc-js: reads a standard-JSON input on stdin,
// resolves `@openzeppelin/...` imports from this folder's node_modules,
// and writes the standard-JSON output on stdout.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

function findImports(importPath) {
  const candidate = path.join(__dirname, 'node_modules', importPath);
  try {
    return { contents: fs.readFileSync(candidate, 'utf8') };
  } catch (error) {
    return { error: `not found: ${importPath}` };
  }
}

const input = fs.readFileSync(0, 'utf8');
const output = solc.compile(input, { import: findImports });
process.stdout.write(output);
