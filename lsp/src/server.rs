//! The protocol loop: documents in, answers and diagnostics out.
//!
//! The main loop owns the database and applies every edit. Requests are
//! answered on it from the memoized queries, each isolated: a request that
//! panics gets an error response and the server carries on. Diagnostics
//! are computed off the loop, on a snapshot of the database, once a
//! document has been still for the debounce delay; an edit that arrives
//! meanwhile cancels the computation (salsa unwinds it, and it is caught
//! at the worker's boundary), and only diagnostics of a document's
//! current version are published.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, CodeLensRequest, Completion, DocumentHighlightRequest,
    DocumentSymbolRequest, ExecuteCommand, Formatting, GotoDefinition, HoverRequest,
    InlayHintRequest, PrepareRenameRequest, References, Rename, Request as _,
    SemanticTokensFullRequest, SignatureHelpRequest, WorkspaceSymbolRequest,
};
use lsp_types::{
    DocumentChanges, DocumentHighlight, DocumentSymbolParams, DocumentSymbolResponse,
    GotoDefinitionResponse, HoverContents, HoverProviderCapability, InitializeParams,
    InitializeResult, MarkupContent, MarkupKind, OneOf, OptionalVersionedTextDocumentIdentifier,
    PrepareRenameResponse, PublishDiagnosticsParams, RenameOptions, SemanticTokens,
    SemanticTokensFullOptions, SemanticTokensOptions, SemanticTokensResult,
    SemanticTokensServerCapabilities, ServerCapabilities, ServerInfo, SymbolInformation,
    TextDocumentEdit, TextDocumentPositionParams, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextEdit, Uri, WorkDoneProgressOptions, WorkspaceEdit, WorkspaceSymbolResponse,
};
use salsa::Setter;
use serde::{Deserialize, Serialize};
use tok_driver::{Database, SourceFile};

use crate::convert::{self, Encoding, LineIndex};
use crate::{ide, virtual_docs};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The commands of code lenses: simulate a scenario (`[document uri,
/// scenario]`), show the generated Solidity (`[virtual document uri]`).
const SIMULATE: &str = "tok.simulate";
const SHOW_SOLIDITY: &str = "tok.showSolidity";

/// How long a document must be still before its diagnostics are computed,
/// unless the client sets `debounceMs` in its initialization options.
const DEBOUNCE: Duration = Duration::from_millis(80);

/// What the client may set at initialization (`initializationOptions`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    debounce_ms: Option<u64>,
    /// The `tok` binary lenses run (default: the server's own).
    tok_path: Option<std::path::PathBuf>,
    /// How long a lens's simulation may take (default 30 s).
    simulation_seconds: Option<u64>,
}

/// The `tok/virtualDocument` request: the text of a `tok:` document.
#[derive(Debug, Deserialize, Serialize)]
pub struct VirtualDocumentParams {
    pub uri: String,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct VirtualDocument {
    pub text: String,
}

/// An open document.
struct Document {
    uri: Uri,
    file: SourceFile,
    version: i32,
}

/// Diagnostics to compute: a document's version, on a snapshot of the
/// database taken when it was due.
struct Job {
    snapshot: Database,
    file: SourceFile,
    version: i32,
    uri: Uri,
    key: String,
}

/// Computes diagnostics for the jobs it receives, one at a time, on the
/// job's snapshot, until the server hangs up. Of the jobs queued for a
/// document only the newest is computed (and the snapshots of the others
/// are dropped at once, since an edit waits for every snapshot to go). An
/// edit made meanwhile cancels the computation (salsa unwinds it), which
/// is caught here; its result would have been stale anyway.
fn diagnostics_worker(jobs: Receiver<Job>, results: Sender<Computed>, encoding: Encoding) {
    while let Ok(first) = jobs.recv() {
        let mut latest: BTreeMap<String, Job> = BTreeMap::new();
        latest.insert(first.key.clone(), first);
        for job in jobs.try_iter() {
            latest.insert(job.key.clone(), job);
        }
        for (_, job) in latest {
            let Job {
                snapshot,
                file,
                version,
                uri,
                key,
            } = job;
            let computed = salsa::Cancelled::catch(AssertUnwindSafe(|| {
                let diagnostics = ide::diagnostics(&snapshot, file);
                let index = LineIndex::new(file.text(&snapshot), encoding);
                (diagnostics.iter())
                    .map(|d| convert::diagnostic(&index, &uri, d))
                    .collect()
            }));
            // The snapshot goes before the result: an edit waiting for it
            // may proceed.
            drop(snapshot);
            if let Ok(diagnostics) = computed {
                let computed = Computed {
                    uri: key,
                    version,
                    diagnostics,
                };
                if results.send(computed).is_err() {
                    return;
                }
            }
        }
    }
}

/// Diagnostics a worker computed for one version of a document.
struct Computed {
    uri: String,
    version: i32,
    diagnostics: Vec<lsp_types::Diagnostic>,
}

pub struct Server {
    connection: Connection,
    db: Database,
    encoding: Encoding,
    debounce: Duration,
    /// The `tok` binary that lenses run, and how long they may.
    tok_path: Option<std::path::PathBuf>,
    simulation_limit: Duration,
    /// Open documents, by URI.
    documents: BTreeMap<String, Document>,
    /// Every file ever opened, by URI: reopening one reuses its input.
    files: BTreeMap<String, SourceFile>,
    /// Documents whose diagnostics are due, and when.
    due: BTreeMap<String, Instant>,
    /// Where diagnostics jobs go, and where their results come back.
    jobs: Sender<Job>,
    computed: Receiver<Computed>,
    /// The id of the next request the server sends the client.
    next_request: u64,
    shutting_down: bool,
}

/// Runs the server on `connection` until the client says `exit` (or hangs
/// up).
pub fn run(connection: Connection) -> Result<(), Error> {
    let (id, params) = connection.initialize_start()?;
    let params: InitializeParams = serde_json::from_value(params)?;
    let offered = (params.capabilities.general.as_ref())
        .and_then(|general| general.position_encodings.as_deref());
    let encoding = Encoding::negotiate(offered);
    let options: Options = (params.initialization_options)
        .and_then(|options| serde_json::from_value(options).ok())
        .unwrap_or_default();
    let result = InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(ServerInfo {
            name: "tok".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    let (jobs, queued) = crossbeam_channel::unbounded();
    let (results, computed) = crossbeam_channel::unbounded();
    let worker = std::thread::spawn(move || diagnostics_worker(queued, results, encoding));
    let mut server = Server {
        connection,
        db: Database::default(),
        encoding,
        debounce: options.debounce_ms.map_or(DEBOUNCE, Duration::from_millis),
        tok_path: options.tok_path.or_else(|| std::env::current_exe().ok()),
        simulation_limit: Duration::from_secs(options.simulation_seconds.unwrap_or(30)),
        documents: BTreeMap::new(),
        files: BTreeMap::new(),
        due: BTreeMap::new(),
        jobs,
        computed,
        next_request: 0,
        shutting_down: false,
    };
    let outcome = server.main_loop();
    // Hanging up the job channel ends the worker.
    drop(server);
    let _ = worker.join();
    outcome
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        inlay_hint_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        code_lens_provider: Some(lsp_types::CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(lsp_types::ExecuteCommandOptions {
            commands: vec![SIMULATE.to_string(), SHOW_SOLIDITY.to_string()],
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        completion_provider: Some(lsp_types::CompletionOptions {
            trigger_characters: Some(vec![".".to_string()]),
            ..lsp_types::CompletionOptions::default()
        }),
        signature_help_provider: Some(lsp_types::SignatureHelpOptions {
            trigger_characters: Some(vec!["(".to_string(), ",".to_string()]),
            retrigger_characters: None,
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: convert::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        ..ServerCapabilities::default()
    }
}

impl Server {
    fn main_loop(&mut self) -> Result<(), Error> {
        loop {
            let wait = match self.due.values().min() {
                Some(at) => crossbeam_channel::at(*at),
                None => crossbeam_channel::never(),
            };
            select! {
                recv(self.connection.receiver) -> message => match message {
                    Ok(message) => {
                        if self.handle(message)? {
                            return Ok(());
                        }
                    }
                    // The client hung up.
                    Err(_) => return Ok(()),
                },
                recv(self.computed) -> computed => {
                    if let Ok(computed) = computed {
                        self.publish(computed)?;
                    }
                }
                recv(wait) -> _ => {}
            }
            self.start_due();
        }
    }

    /// Handles one message; true when the client said `exit`.
    fn handle(&mut self, message: Message) -> Result<bool, Error> {
        match message {
            Message::Request(request) => {
                if let Some(response) = self.respond(request) {
                    self.connection.sender.send(response.into())?;
                }
            }
            Message::Notification(notification) => {
                if notification.method == "exit" {
                    return Ok(true);
                }
                self.notified(notification);
            }
            Message::Response(_) => {}
        }
        Ok(false)
    }

    /// The response to `request`, computed in isolation: a handler that
    /// panics answers with an internal error. `None` for a request
    /// answered later, from a worker (a lens's simulation).
    fn respond(&mut self, request: Request) -> Option<Response> {
        let id = request.id.clone();
        if self.shutting_down {
            return Some(error(
                id,
                ErrorCode::InvalidRequest,
                "the server is shutting down",
            ));
        }
        if request.method == "shutdown" {
            self.shutting_down = true;
            return Some(Response::new_ok(id, ()));
        }
        let answered = catch_unwind(AssertUnwindSafe(|| {
            if request.method == ExecuteCommand::METHOD && request.params["command"] == SIMULATE {
                return self.simulate(request).map(|()| None);
            }
            self.answer(request).map(Some)
        }));
        match answered {
            Ok(Ok(response)) => response,
            Ok(Err(response)) => Some(response),
            Err(_) => Some(error(
                id,
                ErrorCode::InternalError,
                "the request failed inside the server",
            )),
        }
    }

    /// Starts the simulation a lens asked for; its answer comes from the
    /// worker when it ends.
    fn simulate(&mut self, request: Request) -> Result<(), Response> {
        let id = request.id.clone();
        let params: lsp_types::ExecuteCommandParams = params(&request)?;
        let argument = |index: usize| {
            params
                .arguments
                .get(index)
                .and_then(|a| a.as_str())
                .map(str::to_string)
        };
        let (Some(uri), Some(scenario)) = (argument(0), argument(1)) else {
            return Err(error(
                id,
                ErrorCode::InvalidParams,
                "expected a document and a scenario",
            ));
        };
        let document = (self.documents.get(&uri)).ok_or_else(|| {
            error(
                id.clone(),
                ErrorCode::InvalidParams,
                "the document is not open",
            )
        })?;
        let text = document.file.text(&self.db).clone();
        let tok = (self.tok_path.clone()).ok_or_else(|| {
            error(
                id.clone(),
                ErrorCode::InternalError,
                "the tok binary is unknown",
            )
        })?;
        let (limit, sender) = (self.simulation_limit, self.connection.sender.clone());
        // Off the loop: the answer and a message come when it ends.
        std::thread::spawn(move || {
            let outcome = crate::commands::simulate(&tok, &text, &scenario, limit);
            let (kind, message) = match &outcome {
                Ok(summary) => (lsp_types::MessageType::INFO, summary.clone()),
                Err(problem) => (lsp_types::MessageType::ERROR, problem.clone()),
            };
            let shown = lsp_types::ShowMessageParams { typ: kind, message };
            let _ = sender.send(Notification::new("window/showMessage".to_string(), shown).into());
            let response = match outcome {
                Ok(summary) => Response::new_ok(id, summary),
                Err(problem) => error(id, ErrorCode::RequestFailed, &problem),
            };
            let _ = sender.send(response.into());
        });
        Ok(())
    }

    fn answer(&mut self, request: Request) -> Result<Response, Response> {
        let id = request.id.clone();
        match request.method.as_str() {
            DocumentSymbolRequest::METHOD => {
                let params: DocumentSymbolParams = params(&request)?;
                let document = self.document(&id, &params.text_document.uri)?;
                let text = document.file.text(&self.db);
                let index = LineIndex::new(text, self.encoding);
                let symbols = ide::symbols(&self.db, document.file);
                let symbols = symbols.iter().map(|s| convert::symbol(&index, s)).collect();
                Ok(Response::new_ok(
                    id,
                    DocumentSymbolResponse::Nested(symbols),
                ))
            }
            Formatting::METHOD => {
                let params: lsp_types::DocumentFormattingParams = params(&request)?;
                let document = self.document(&id, &params.text_document.uri)?;
                let text = document.file.text(&self.db);
                let edits = ide::format(&self.db, document.file).map(|formatted| {
                    let index = LineIndex::new(text, self.encoding);
                    let whole = index.range(tok_diagnostics::Span::new(0, text.len() as u32));
                    vec![TextEdit::new(whole, formatted)]
                });
                Ok(Response::new_ok(id, edits))
            }
            CodeLensRequest::METHOD => {
                let params: lsp_types::CodeLensParams = params(&request)?;
                let uri = params.text_document.uri;
                let document = self.document(&id, &uri)?;
                let index = LineIndex::new(document.file.text(&self.db), self.encoding);
                let lenses: Vec<lsp_types::CodeLens> = (ide::lenses(&self.db, document.file)
                    .into_iter())
                .map(|lens| {
                    let command = match lens.kind {
                        ide::LensKind::Simulate { scenario } => lsp_types::Command {
                            title: "Simulate".to_string(),
                            command: SIMULATE.to_string(),
                            arguments: Some(vec![uri.as_str().into(), scenario.into()]),
                        },
                        ide::LensKind::Solidity { .. } => lsp_types::Command {
                            title: "Solidity".to_string(),
                            command: SHOW_SOLIDITY.to_string(),
                            arguments: Some(vec![virtual_docs::solidity_uri(uri.as_str()).into()]),
                        },
                    };
                    lsp_types::CodeLens {
                        range: index.range(lens.span),
                        command: Some(command),
                        data: None,
                    }
                })
                .collect();
                Ok(Response::new_ok(id, lenses))
            }
            ExecuteCommand::METHOD => {
                let params: lsp_types::ExecuteCommandParams = params(&request)?;
                let argument = |index: usize| {
                    params
                        .arguments
                        .get(index)
                        .and_then(|a| a.as_str())
                        .map(str::to_string)
                };
                match params.command.as_str() {
                    SHOW_SOLIDITY => {
                        let uri: Uri =
                            (argument(0).and_then(|uri| uri.parse().ok())).ok_or_else(|| {
                                error(id.clone(), ErrorCode::InvalidParams, "expected a document")
                            })?;
                        let show = lsp_types::ShowDocumentParams {
                            uri,
                            external: Some(false),
                            take_focus: Some(true),
                            selection: None,
                        };
                        let request = Request::new(
                            RequestId::from(format!("show-{}", self.next_request)),
                            "window/showDocument".to_string(),
                            show,
                        );
                        self.next_request += 1;
                        let _ = self.connection.sender.send(request.into());
                        Ok(Response::new_ok(id, ()))
                    }
                    _ => Err(error(id, ErrorCode::InvalidParams, "unknown command")),
                }
            }
            CodeActionRequest::METHOD => {
                let params: lsp_types::CodeActionParams = params(&request)?;
                let document = self.document(&id, &params.text_document.uri)?;
                let (file, version) = (document.file, document.version);
                let index = LineIndex::new(file.text(&self.db), self.encoding);
                let fixes = ide::fixes(&self.db, file, index.span(params.range));
                let actions: Vec<lsp_types::CodeActionOrCommand> = (fixes.into_iter())
                    .map(|fix| {
                        let edit =
                            versioned_edit(&params.text_document.uri, version, &index, fix.edits);
                        lsp_types::CodeActionOrCommand::CodeAction(lsp_types::CodeAction {
                            title: fix.title,
                            kind: Some(lsp_types::CodeActionKind::QUICKFIX),
                            is_preferred: Some(true),
                            edit: Some(edit),
                            ..lsp_types::CodeAction::default()
                        })
                    })
                    .collect();
                Ok(Response::new_ok(id, actions))
            }
            Completion::METHOD => {
                let params: lsp_types::CompletionParams = params(&request)?;
                let (file, offset) = self.at(&id, &params.text_document_position)?;
                let items: Vec<lsp_types::CompletionItem> =
                    (ide::completions(&self.db, file, offset).iter())
                        .map(convert::completion)
                        .collect();
                Ok(Response::new_ok(id, items))
            }
            SignatureHelpRequest::METHOD => {
                let params: lsp_types::SignatureHelpParams = params(&request)?;
                let (file, offset) = self.at(&id, &params.text_document_position_params)?;
                let help = ide::signature_help(&self.db, file, offset).map(convert::signature_help);
                Ok(Response::new_ok(id, help))
            }
            HoverRequest::METHOD => {
                let params: TextDocumentPositionParams = params(&request)?;
                let (file, offset) = self.at(&id, &params)?;
                let hover = ide::hover(&self.db, file, offset).map(|hover| {
                    let index = LineIndex::new(file.text(&self.db), self.encoding);
                    lsp_types::Hover {
                        contents: HoverContents::Markup(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value: hover.markdown,
                        }),
                        range: Some(index.range(hover.span)),
                    }
                });
                Ok(Response::new_ok(id, hover))
            }
            GotoDefinition::METHOD => {
                let params: TextDocumentPositionParams = params(&request)?;
                let (file, offset) = self.at(&id, &params)?;
                let location = ide::definition(&self.db, file, offset)
                    .and_then(|place| self.place_location(&params.text_document.uri, file, place));
                Ok(Response::new_ok(
                    id,
                    location.map(GotoDefinitionResponse::Scalar),
                ))
            }
            References::METHOD => {
                let params: lsp_types::ReferenceParams = params(&request)?;
                let position = params.text_document_position;
                let (file, offset) = self.at(&id, &position)?;
                let index = LineIndex::new(file.text(&self.db), self.encoding);
                let declaration = params.context.include_declaration;
                let locations: Vec<lsp_types::Location> =
                    (ide::references(&self.db, file, offset, declaration).into_iter())
                        .map(|span| convert::location(&position.text_document.uri, &index, span))
                        .collect();
                Ok(Response::new_ok(id, locations))
            }
            DocumentHighlightRequest::METHOD => {
                let params: TextDocumentPositionParams = params(&request)?;
                let (file, offset) = self.at(&id, &params)?;
                let index = LineIndex::new(file.text(&self.db), self.encoding);
                let highlights: Vec<DocumentHighlight> =
                    (ide::references(&self.db, file, offset, true).into_iter())
                        .map(|span| DocumentHighlight {
                            range: index.range(span),
                            kind: None,
                        })
                        .collect();
                Ok(Response::new_ok(id, highlights))
            }
            PrepareRenameRequest::METHOD => {
                let params: TextDocumentPositionParams = params(&request)?;
                let (file, offset) = self.at(&id, &params)?;
                match ide::prepare_rename(&self.db, file, offset) {
                    Ok(span) => {
                        let index = LineIndex::new(file.text(&self.db), self.encoding);
                        Ok(Response::new_ok(
                            id,
                            PrepareRenameResponse::Range(index.range(span)),
                        ))
                    }
                    Err(refused) => Err(error(id, ErrorCode::RequestFailed, &refused.to_string())),
                }
            }
            Rename::METHOD => {
                let params: lsp_types::RenameParams = params(&request)?;
                let position = params.text_document_position;
                let (file, offset) = self.at(&id, &position)?;
                match ide::rename(&self.db, file, offset, &params.new_name) {
                    Ok(edits) => {
                        let index = LineIndex::new(file.text(&self.db), self.encoding);
                        let version = self.document(&id, &position.text_document.uri)?.version;
                        let edit =
                            versioned_edit(&position.text_document.uri, version, &index, edits);
                        Ok(Response::new_ok(id, edit))
                    }
                    Err(refused) => Err(error(id, ErrorCode::RequestFailed, &refused.to_string())),
                }
            }
            WorkspaceSymbolRequest::METHOD => {
                let params: lsp_types::WorkspaceSymbolParams = params(&request)?;
                let query = params.query.to_lowercase();
                let mut found = Vec::new();
                for document in self.documents.values() {
                    let index = LineIndex::new(document.file.text(&self.db), self.encoding);
                    let mut pending = ide::symbols(&self.db, document.file);
                    while let Some(symbol) = pending.pop() {
                        pending.extend(symbol.children.iter().cloned());
                        if symbol.name.to_lowercase().contains(&query) {
                            found.push(convert::symbol_information(&index, &document.uri, &symbol));
                        }
                    }
                }
                found.sort_by(|a: &SymbolInformation, b: &SymbolInformation| {
                    (
                        a.location.uri.as_str(),
                        a.location.range.start.line,
                        &a.name,
                    )
                        .cmp(&(
                            b.location.uri.as_str(),
                            b.location.range.start.line,
                            &b.name,
                        ))
                });
                Ok(Response::new_ok(id, WorkspaceSymbolResponse::Flat(found)))
            }
            InlayHintRequest::METHOD => {
                let params: lsp_types::InlayHintParams = params(&request)?;
                let document = self.document(&id, &params.text_document.uri)?;
                let file = document.file;
                let index = LineIndex::new(file.text(&self.db), self.encoding);
                let hints: Vec<lsp_types::InlayHint> =
                    (ide::inlay_hints(&self.db, file, index.span(params.range)).iter())
                        .map(|hint| convert::inlay_hint(&index, hint))
                        .collect();
                Ok(Response::new_ok(id, hints))
            }
            SemanticTokensFullRequest::METHOD => {
                let params: lsp_types::SemanticTokensParams = params(&request)?;
                let document = self.document(&id, &params.text_document.uri)?;
                let file = document.file;
                let index = LineIndex::new(file.text(&self.db), self.encoding);
                let data = convert::semantic_tokens(&index, &ide::highlights(&self.db, file));
                let tokens = SemanticTokensResult::Tokens(SemanticTokens {
                    result_id: None,
                    data,
                });
                Ok(Response::new_ok(id, tokens))
            }
            "tok/virtualDocument" => {
                let params: VirtualDocumentParams = params(&request)?;
                if let Some(document) = virtual_docs::solidity_of(&params.uri) {
                    let file = (self.documents.get(document))
                        .ok_or_else(|| {
                            error(
                                id.clone(),
                                ErrorCode::InvalidParams,
                                "the document is not open",
                            )
                        })?
                        .file;
                    let text = match ide::solidity(&self.db, file) {
                        Ok(source) => source,
                        Err(diagnostics) => virtual_docs::not_emitted(
                            file.path(&self.db),
                            file.text(&self.db),
                            &diagnostics,
                        ),
                    };
                    return Ok(Response::new_ok(id, VirtualDocument { text }));
                }
                match virtual_docs::content(&params.uri) {
                    Some(text) => Ok(Response::new_ok(id, VirtualDocument { text })),
                    None => Err(error(id, ErrorCode::InvalidParams, "no such document")),
                }
            }
            _ => Err(error(id, ErrorCode::MethodNotFound, "unknown request")),
        }
    }

    /// The document and byte offset a position names, or an error
    /// response.
    fn at(
        &self,
        id: &RequestId,
        position: &TextDocumentPositionParams,
    ) -> Result<(SourceFile, u32), Response> {
        let document = self.document(id, &position.text_document.uri)?;
        let index = LineIndex::new(document.file.text(&self.db), self.encoding);
        Ok((document.file, index.offset(position.position)))
    }

    /// The protocol location of a declaration found from document `uri`.
    fn place_location(
        &self,
        uri: &Uri,
        file: SourceFile,
        place: ide::Place,
    ) -> Option<lsp_types::Location> {
        match place {
            ide::Place::File(span) => {
                let index = LineIndex::new(file.text(&self.db), self.encoding);
                Some(convert::location(uri, &index, span))
            }
            ide::Place::Virtual { uri, span } => {
                let text = virtual_docs::content(&uri)?;
                let index = LineIndex::new(&text, self.encoding);
                Some(convert::location(&uri.parse().ok()?, &index, span))
            }
        }
    }

    /// The open document `uri`, or an error response.
    fn document(&self, id: &RequestId, uri: &Uri) -> Result<&Document, Response> {
        (self.documents.get(uri.as_str())).ok_or_else(|| {
            error(
                id.clone(),
                ErrorCode::InvalidParams,
                "the document is not open",
            )
        })
    }

    fn notified(&mut self, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(
                    notification.params,
                ) else {
                    return;
                };
                let document = params.text_document;
                let key = document.uri.as_str().to_string();
                let file = match self.files.get(&key) {
                    Some(file) => {
                        file.set_text(&mut self.db).to(document.text);
                        *file
                    }
                    None => {
                        let file = SourceFile::new(&self.db, key.clone(), document.text);
                        self.files.insert(key.clone(), file);
                        file
                    }
                };
                self.documents.insert(
                    key.clone(),
                    Document {
                        uri: document.uri,
                        file,
                        version: document.version,
                    },
                );
                self.due.insert(key, Instant::now());
            }
            DidChangeTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(
                    notification.params,
                ) else {
                    return;
                };
                let key = params.text_document.uri.as_str().to_string();
                let Some(document) = self.documents.get_mut(&key) else {
                    return;
                };
                let mut text = document.file.text(&self.db).clone();
                for change in params.content_changes {
                    match change.range {
                        Some(range) => {
                            let span = LineIndex::new(&text, self.encoding).span(range);
                            text.replace_range(span.range(), &change.text);
                        }
                        None => text = change.text,
                    }
                }
                document.version = params.text_document.version;
                let file = document.file;
                file.set_text(&mut self.db).to(text);
                self.due.insert(key, Instant::now() + self.debounce);
            }
            DidCloseTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(
                    notification.params,
                ) else {
                    return;
                };
                let key = params.text_document.uri.as_str().to_string();
                self.due.remove(&key);
                if let Some(document) = self.documents.remove(&key) {
                    let cleared = PublishDiagnosticsParams::new(document.uri, Vec::new(), None);
                    let _ = self.connection.sender.send(
                        Notification::new(PublishDiagnostics::METHOD.to_string(), cleared).into(),
                    );
                }
            }
            _ => {}
        }
    }

    /// Hands the diagnostics of every document now due to the worker, each
    /// with a snapshot of the database.
    fn start_due(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = (self.due.iter())
            .filter(|(_, at)| **at <= now)
            .map(|(uri, _)| uri.clone())
            .collect();
        for key in due {
            self.due.remove(&key);
            let Some(document) = self.documents.get(&key) else {
                continue;
            };
            let job = Job {
                snapshot: self.db.clone(),
                file: document.file,
                version: document.version,
                uri: document.uri.clone(),
                key,
            };
            let _ = self.jobs.send(job);
        }
    }

    /// Publishes diagnostics computed for the document's current version.
    fn publish(&mut self, computed: Computed) -> Result<(), Error> {
        let Some(document) = self.documents.get(&computed.uri) else {
            return Ok(());
        };
        if document.version != computed.version {
            return Ok(());
        }
        let params = PublishDiagnosticsParams::new(
            document.uri.clone(),
            computed.diagnostics,
            Some(computed.version),
        );
        self.connection
            .sender
            .send(Notification::new(PublishDiagnostics::METHOD.to_string(), params).into())?;
        Ok(())
    }
}

/// Edits of one document as a workspace edit, versioned so that a client
/// applies them to the text they were computed for.
fn versioned_edit(
    uri: &Uri,
    version: i32,
    index: &LineIndex<'_>,
    edits: Vec<(tok_diagnostics::Span, String)>,
) -> WorkspaceEdit {
    let edits = (edits.into_iter())
        .map(|(span, text)| OneOf::Left(TextEdit::new(index.range(span), text)))
        .collect();
    let edit = TextDocumentEdit {
        text_document: OptionalVersionedTextDocumentIdentifier {
            uri: uri.clone(),
            version: Some(version),
        },
        edits,
    };
    WorkspaceEdit {
        changes: None,
        document_changes: Some(DocumentChanges::Edits(vec![edit])),
        change_annotations: None,
    }
}

fn error(id: RequestId, code: ErrorCode, message: &str) -> Response {
    Response::new_err(id, code as i32, message.to_string())
}

/// A request's parameters, or an error response.
fn params<P: serde::de::DeserializeOwned>(request: &Request) -> Result<P, Response> {
    serde_json::from_value(request.params.clone()).map_err(|problem| {
        error(
            request.id.clone(),
            ErrorCode::InvalidParams,
            &format!("invalid parameters: {problem}"),
        )
    })
}
