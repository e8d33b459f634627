// Tokenizes every bundled example with the grammar and compares the scopes
// with the committed snapshots (tests/examples/*.tok.snap): a change to
// the grammar shows up as a diff. `node tests/snapshots.js --update`
// rewrites them after a deliberate change.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const here = path.join(__dirname, 'examples');
const examples = path.join(__dirname, '..', '..', '..', 'examples');
fs.mkdirSync(here, { recursive: true });
const copies = fs.readdirSync(examples).filter((name) => name.endsWith('.tok'));
if (copies.length < 8) {
  console.error(`expected the bundled examples, found ${copies.length}`);
  process.exit(1);
}
for (const name of copies) {
  fs.copyFileSync(path.join(examples, name), path.join(here, name));
}
const tool = path.join(__dirname, '..', 'node_modules', '.bin', 'vscode-tmgrammar-snap');
const args = ['-s', 'source.tok', '-g', path.join(__dirname, '..', 'syntaxes', 'tok.tmLanguage.json')];
if (process.argv.includes('--update')) {
  args.push('--updateSnapshot');
}
args.push(...copies.map((name) => path.join(here, name)));
const run = spawnSync(tool, args, { stdio: 'inherit' });
process.exit(run.status === null ? 1 : run.status);
