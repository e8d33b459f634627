//! The one place that knows how the protocol counts: byte offsets (what the
//! compiler and the IDE layer use) to and from LSP positions (a line and a
//! column in UTF-16 code units, or in bytes when the client accepts UTF-8),
//! and the compiler's diagnostics as LSP diagnostics.

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, DocumentSymbol,
    InlayHintLabel, InlayHintTooltip, Location, NumberOrString, Position, PositionEncodingKind,
    Range, SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokensLegend, Uri,
};
use tok_diagnostics::{Diagnostic, Severity, Span};

use crate::ide::{
    Class, Completion, CompletionKind, Highlight, InlayHint, SignatureHelp, Symbol, SymbolKind,
};

/// How columns are counted, as agreed at initialization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// The encoding to use given what the client offers: UTF-8 when it
    /// accepts it (no conversion), else the protocol's default, UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}

/// Where each line of a text starts, to turn offsets into positions and
/// back in O(log lines).
#[derive(Clone, Debug)]
pub struct LineIndex<'t> {
    text: &'t str,
    /// The byte offset of each line's first character.
    starts: Vec<u32>,
    encoding: Encoding,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str, encoding: Encoding) -> LineIndex<'t> {
        let starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, byte)| *byte == b'\n')
                    .map(|(index, _)| index as u32 + 1),
            )
            .collect();
        LineIndex {
            text,
            starts,
            encoding,
        }
    }

    /// The position of byte `offset` (clamped to the text, and back to a
    /// character boundary).
    pub fn position(&self, offset: u32) -> Position {
        let mut offset = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|start| *start as usize <= offset)
            - 1;
        let start = self.starts[line] as usize;
        let before = &self.text[start..offset];
        let character = match self.encoding {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
        };
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of `position`; a column past the line's end is its
    /// end, a line past the text's end the text's end.
    pub fn offset(&self, position: Position) -> u32 {
        let Some(start) = self.starts.get(position.line as usize) else {
            return self.text.len() as u32;
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |next| *next as usize - 1);
        let line = &self.text[*start as usize..end];
        let mut counted = 0;
        for (index, character) in line.char_indices() {
            if counted >= position.character as usize {
                return *start + index as u32;
            }
            counted += match self.encoding {
                Encoding::Utf8 => character.len_utf8(),
                Encoding::Utf16 => character.len_utf16(),
            };
        }
        end as u32
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    pub fn span(&self, range: Range) -> Span {
        let start = self.offset(range.start);
        Span::new(start, self.offset(range.end).max(start))
    }
}

/// Where a code's documentation is: a read-only document the server itself
/// serves (`tok/virtualDocument`, see `crate::virtual_docs`), so the link
/// works offline and always matches the compiler that reported the code.
pub fn code_description(code: &str) -> Option<CodeDescription> {
    Some(CodeDescription {
        href: crate::virtual_docs::code_uri(code).parse().ok()?,
    })
}

/// A compiler diagnostic as the protocol's: the code with a link to its
/// documentation; the message, then the primary label, the notes and the
/// help, a line each; secondary labels as related information in the same
/// document.
pub fn diagnostic(
    index: &LineIndex<'_>,
    uri: &Uri,
    diagnostic: &Diagnostic,
) -> lsp_types::Diagnostic {
    let mut message = diagnostic.message.clone();
    if !diagnostic.primary.message.is_empty() {
        message.push('\n');
        message.push_str(&diagnostic.primary.message);
    }
    for note in &diagnostic.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related = (diagnostic.secondary.iter())
        .map(|label| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), index.range(label.span)),
            message: label.message.clone(),
        })
        .collect::<Vec<_>>();
    lsp_types::Diagnostic {
        range: index.range(diagnostic.primary.span),
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.as_str().to_string())),
        code_description: code_description(diagnostic.code.as_str()),
        source: Some("tok".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// An outline entry as the protocol's nested document symbol.
#[allow(deprecated)] // `deprecated` is a field the protocol still requires.
pub fn symbol(index: &LineIndex<'_>, symbol: &Symbol) -> DocumentSymbol {
    DocumentSymbol {
        name: symbol.name.clone(),
        detail: symbol.detail.clone(),
        kind: match symbol.kind {
            SymbolKind::Param => lsp_types::SymbolKind::CONSTANT,
            SymbolKind::Token => lsp_types::SymbolKind::CLASS,
            SymbolKind::Mechanism | SymbolKind::Instance => lsp_types::SymbolKind::CLASS,
            SymbolKind::Template => lsp_types::SymbolKind::INTERFACE,
            SymbolKind::Vesting | SymbolKind::Governor => lsp_types::SymbolKind::OBJECT,
            SymbolKind::Scenario => lsp_types::SymbolKind::MODULE,
            SymbolKind::Field => lsp_types::SymbolKind::FIELD,
            SymbolKind::Event => lsp_types::SymbolKind::EVENT,
            SymbolKind::Action => lsp_types::SymbolKind::METHOD,
            SymbolKind::View => lsp_types::SymbolKind::FUNCTION,
            SymbolKind::Hook | SymbolKind::Invariant => lsp_types::SymbolKind::OPERATOR,
            SymbolKind::Population => lsp_types::SymbolKind::STRUCT,
            SymbolKind::Series => lsp_types::SymbolKind::VARIABLE,
        },
        tags: None,
        deprecated: None,
        range: index.range(symbol.span),
        selection_range: index.range(symbol.selection),
        children: (!symbol.children.is_empty()).then(|| {
            symbol
                .children
                .iter()
                .map(|child| self::symbol(index, child))
                .collect()
        }),
    }
}

/// The semantic token types, in the order of [`Class`], and modifiers.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: vec![
            SemanticTokenType::KEYWORD,
            SemanticTokenType::COMMENT,
            SemanticTokenType::STRING,
            SemanticTokenType::NUMBER,
            SemanticTokenType::OPERATOR,
            SemanticTokenType::TYPE,
            SemanticTokenType::CLASS,
            SemanticTokenType::NAMESPACE,
            SemanticTokenType::PROPERTY,
            SemanticTokenType::METHOD,
            SemanticTokenType::FUNCTION,
            SemanticTokenType::EVENT,
            SemanticTokenType::VARIABLE,
            SemanticTokenType::PARAMETER,
            SemanticTokenType::STRUCT,
        ],
        token_modifiers: vec![
            SemanticTokenModifier::DECLARATION,
            SemanticTokenModifier::READONLY,
        ],
    }
}

fn class_index(class: Class) -> u32 {
    match class {
        Class::Keyword => 0,
        Class::Comment => 1,
        Class::String => 2,
        Class::Number => 3,
        Class::Operator => 4,
        Class::Type => 5,
        Class::Class => 6,
        Class::Namespace => 7,
        Class::Property => 8,
        Class::Method => 9,
        Class::Function => 10,
        Class::Event => 11,
        Class::Variable => 12,
        Class::Parameter => 13,
        Class::Struct => 14,
    }
}

/// Highlights as the protocol's relative encoding (each token's line and
/// start relative to the previous one's). A token is on one line.
pub fn semantic_tokens(index: &LineIndex<'_>, highlights: &[Highlight]) -> Vec<SemanticToken> {
    let mut tokens = Vec::with_capacity(highlights.len());
    let mut previous = Position::new(0, 0);
    for highlight in highlights {
        let start = index.position(highlight.span.start);
        let end = index.position(highlight.span.end);
        let length = if end.line == start.line {
            end.character - start.character
        } else {
            // A comment to the end of its line.
            index
                .position(index.offset(Position::new(start.line, u32::MAX)))
                .character
                - start.character
        };
        let delta_line = start.line - previous.line;
        let delta_start = if delta_line == 0 {
            start.character - previous.character
        } else {
            start.character
        };
        tokens.push(SemanticToken {
            delta_line,
            delta_start,
            length,
            token_type: class_index(highlight.class),
            token_modifiers_bitset: u32::from(highlight.declaration)
                | (u32::from(highlight.readonly) << 1),
        });
        previous = start;
    }
    tokens
}

pub fn inlay_hint(index: &LineIndex<'_>, hint: &InlayHint) -> lsp_types::InlayHint {
    lsp_types::InlayHint {
        position: index.position(hint.position),
        label: InlayHintLabel::String(hint.label.clone()),
        kind: Some(if hint.label.starts_with(':') {
            lsp_types::InlayHintKind::TYPE
        } else {
            lsp_types::InlayHintKind::PARAMETER
        }),
        text_edits: None,
        tooltip: hint.tooltip.clone().map(InlayHintTooltip::String),
        padding_left: Some(!hint.label.starts_with(':')),
        padding_right: None,
        data: None,
    }
}

/// An outline entry as a flat symbol (for workspace symbols).
#[allow(deprecated)] // `deprecated` is a field the protocol still requires.
pub fn symbol_information(
    index: &LineIndex<'_>,
    uri: &Uri,
    symbol: &Symbol,
) -> lsp_types::SymbolInformation {
    lsp_types::SymbolInformation {
        name: symbol.name.clone(),
        kind: self::symbol(index, symbol).kind,
        tags: None,
        deprecated: None,
        location: location(uri, index, symbol.selection),
        container_name: None,
    }
}

pub fn completion(completion: &Completion) -> lsp_types::CompletionItem {
    use lsp_types::CompletionItemKind as Kind;
    lsp_types::CompletionItem {
        label: completion.label.clone(),
        kind: Some(match completion.kind {
            CompletionKind::Keyword => Kind::KEYWORD,
            CompletionKind::Snippet => Kind::SNIPPET,
            CompletionKind::Token | CompletionKind::Unit => Kind::UNIT,
            CompletionKind::Mechanism | CompletionKind::Template => Kind::CLASS,
            CompletionKind::Module => Kind::MODULE,
            CompletionKind::Param => Kind::CONSTANT,
            CompletionKind::Field => Kind::FIELD,
            CompletionKind::Action => Kind::METHOD,
            CompletionKind::View | CompletionKind::Function => Kind::FUNCTION,
            CompletionKind::Event => Kind::EVENT,
            CompletionKind::Local | CompletionKind::Series => Kind::VARIABLE,
            CompletionKind::Vesting | CompletionKind::Governor => Kind::MODULE,
            CompletionKind::Value => Kind::VALUE,
            CompletionKind::Setting => Kind::PROPERTY,
            CompletionKind::Population => Kind::STRUCT,
        }),
        detail: completion.detail.clone(),
        insert_text: completion.insert.clone(),
        insert_text_format: Some(if completion.snippet {
            lsp_types::InsertTextFormat::SNIPPET
        } else {
            lsp_types::InsertTextFormat::PLAIN_TEXT
        }),
        ..lsp_types::CompletionItem::default()
    }
}

pub fn signature_help(help: SignatureHelp) -> lsp_types::SignatureHelp {
    let parameters = (help.parameters.into_iter())
        .map(|label| lsp_types::ParameterInformation {
            label: lsp_types::ParameterLabel::Simple(label),
            documentation: None,
        })
        .collect();
    lsp_types::SignatureHelp {
        signatures: vec![lsp_types::SignatureInformation {
            label: help.label,
            documentation: None,
            parameters: Some(parameters),
            active_parameter: Some(help.active as u32),
        }],
        active_signature: Some(0),
        active_parameter: Some(help.active as u32),
    }
}

pub fn location(uri: &Uri, index: &LineIndex<'_>, span: Span) -> Location {
    Location::new(uri.clone(), index.range(span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_or_bytes() {
        // `é` is two bytes and one UTF-16 unit; `𝄞` four bytes and two units.
        let text = "ab\né𝄞x\n\nend";
        let utf16 = LineIndex::new(text, Encoding::Utf16);
        let utf8 = LineIndex::new(text, Encoding::Utf8);
        let x = text.find('x').expect("x") as u32;
        assert_eq!(utf16.position(x), Position::new(1, 3));
        assert_eq!(utf8.position(x), Position::new(1, 6));
        for index in [&utf16, &utf8] {
            for (offset, _) in text.char_indices() {
                let offset = offset as u32;
                assert_eq!(index.offset(index.position(offset)), offset);
            }
            assert_eq!(index.position(text.len() as u32), Position::new(3, 3));
        }
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\ncd";
        let index = LineIndex::new(text, Encoding::Utf16);
        assert_eq!(index.offset(Position::new(0, 99)), 2);
        assert_eq!(index.offset(Position::new(9, 0)), 5);
        // Inside a character: back to its start.
        let wide = LineIndex::new("é", Encoding::Utf8);
        assert_eq!(wide.position(1), Position::new(0, 0));
    }
}
