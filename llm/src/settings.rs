//! Which provider, model and key to use: flags first, then the
//! environment (`TOK_LLM_BASE_URL`, `TOK_LLM_MODEL`, `TOK_LLM_API_KEY`
//! falling back to `OPENAI_API_KEY` or `ANTHROPIC_API_KEY`, `TOK_LLM_API`),
//! then defaults.

use std::time::Duration;

use tok_diagnostics::Code;

use crate::LlmError;

/// The two wire protocols a provider may speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// OpenAI Chat Completions (`POST {base}/chat/completions`): OpenAI,
    /// Ollama, llama.cpp's server, vLLM, LM Studio.
    OpenAi,
    /// Anthropic Messages (`POST {base}/v1/messages`).
    Anthropic,
}

impl Api {
    pub fn parse(text: &str) -> Option<Api> {
        match text.to_ascii_lowercase().as_str() {
            "openai" => Some(Api::OpenAi),
            "anthropic" => Some(Api::Anthropic),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Api::OpenAi => "openai",
            Api::Anthropic => "anthropic",
        }
    }

    fn default_base(self) -> &'static str {
        match self {
            Api::OpenAi => "https://api.openai.com/v1",
            Api::Anthropic => "https://api.anthropic.com",
        }
    }

    fn default_model(self) -> &'static str {
        match self {
            Api::OpenAi => "gpt-4.1-mini",
            Api::Anthropic => "claude-sonnet-4-5",
        }
    }

    fn key_variable(self) -> &'static str {
        match self {
            Api::OpenAi => "OPENAI_API_KEY",
            Api::Anthropic => "ANTHROPIC_API_KEY",
        }
    }
}

/// What the command line said; `None` where it said nothing.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub api: Option<String>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub retries: Option<u32>,
    pub stream: Option<bool>,
}

/// Everything a provider needs to be called.
#[derive(Clone, Debug)]
pub struct Settings {
    pub api: Api,
    /// Without a trailing slash.
    pub base_url: String,
    pub model: String,
    pub key: Option<String>,
    /// How long to wait for an answer to start, and between parts of it.
    pub timeout: Duration,
    /// Tries after the first, on 429, 5xx and dropped connections.
    pub retries: u32,
    /// The first retry's wait; each next one doubles it.
    pub backoff: Duration,
    /// Stream the answer (and show progress) where the API allows.
    pub stream: bool,
}

impl Settings {
    /// Settings from `flags`, then the environment as `env` reads it,
    /// then defaults. A key is required only by the two public services;
    /// a local server (Ollama, llama.cpp) needs none.
    pub fn resolve(
        flags: &Flags,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, LlmError> {
        let api_text = flags.api.clone().or_else(|| env("TOK_LLM_API"));
        let api = match api_text {
            Some(text) => Api::parse(&text).ok_or_else(|| {
                LlmError::new(Code::PROVIDER_ERROR, format!("unknown API `{text}`"))
                    .with_hint("use `openai` (OpenAI-compatible servers) or `anthropic`")
            })?,
            None => Api::OpenAi,
        };
        let base_url = (flags.base_url.clone())
            .or_else(|| env("TOK_LLM_BASE_URL"))
            .unwrap_or_else(|| api.default_base().to_string())
            .trim_end_matches('/')
            .to_string();
        let model = (flags.model.clone())
            .or_else(|| env("TOK_LLM_MODEL"))
            .unwrap_or_else(|| api.default_model().to_string());
        let key = env("TOK_LLM_API_KEY")
            .or_else(|| env(api.key_variable()))
            .filter(|key| !key.trim().is_empty());
        let public = base_url == api.default_base();
        if key.is_none() && public {
            return Err(LlmError::new(
                Code::NO_API_KEY,
                format!("{} needs an API key", base_url),
            )
            .with_hint(format!(
                "set TOK_LLM_API_KEY or {}, or point --base-url at a local server (Ollama, llama.cpp) that needs none",
                api.key_variable()
            )));
        }
        Ok(Settings {
            api,
            base_url,
            model,
            key,
            timeout: Duration::from_secs(flags.timeout_seconds.unwrap_or(120)),
            retries: flags.retries.unwrap_or(3),
            backoff: Duration::from_secs(1),
            stream: flags.stream.unwrap_or(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn flags_win_over_the_environment() {
        let flags = Flags {
            model: Some("local".into()),
            base_url: Some("http://127.0.0.1:8080/v1/".into()),
            ..Flags::default()
        };
        let settings =
            Settings::resolve(&flags, &env(&[("TOK_LLM_MODEL", "other")])).expect("settings");
        assert_eq!(settings.model, "local");
        assert_eq!(settings.base_url, "http://127.0.0.1:8080/v1");
        assert_eq!(settings.api, Api::OpenAi);
        assert_eq!(settings.key, None);
    }

    #[test]
    fn the_public_services_need_a_key() {
        let error = Settings::resolve(&Flags::default(), &env(&[])).expect_err("an error");
        assert_eq!(error.code, Code::NO_API_KEY);
        let anthropic = env(&[("TOK_LLM_API", "anthropic"), ("ANTHROPIC_API_KEY", "k")]);
        let settings = Settings::resolve(&Flags::default(), &anthropic).expect("settings");
        assert_eq!(settings.api, Api::Anthropic);
        assert_eq!(settings.key.as_deref(), Some("k"));
        // TOK_LLM_API_KEY comes first.
        let both = env(&[("TOK_LLM_API_KEY", "mine"), ("OPENAI_API_KEY", "theirs")]);
        assert_eq!(
            Settings::resolve(&Flags::default(), &both)
                .expect("settings")
                .key
                .as_deref(),
            Some("mine")
        );
    }

    #[test]
    fn an_unknown_api_is_an_error() {
        let flags = Flags {
            api: Some("gemini".into()),
            ..Flags::default()
        };
        assert!(Settings::resolve(&flags, &env(&[])).is_err());
    }
}
