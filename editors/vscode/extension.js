// The Tok extension: starts the Tok language server (`tok lsp`) for `.tok`
// files, and shows the read-only documents it serves under the `tok:`
// scheme (the standard library, diagnostic codes, generated Solidity).
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

async function activate(context) {
  const settings = vscode.workspace.getConfiguration('tok');
  const serverOptions = {
    command: settings.get('path', 'tok'),
    args: ['lsp'],
  };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'tok' },
      { scheme: 'untitled', language: 'tok' },
    ],
    initializationOptions: {
      simulationSeconds: settings.get('simulationSeconds', 30),
    },
  };
  client = new LanguageClient('tok', 'Tok', serverOptions, clientOptions);
  // Definitions into the standard library, code pages and the Solidity
  // lens open `tok:` documents, whose text the server gives.
  const provider = {
    provideTextDocumentContent: async (uri) => {
      const answer = await client.sendRequest('tok/virtualDocument', { uri: uri.toString(true) });
      return answer.text;
    },
  };
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider('tok', provider));
  await client.start();
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
