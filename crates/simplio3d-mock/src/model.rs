//! What the mock needs of each operation, read once from the normalised document.
//!
//! The mock reads the JSON form of the document (`Spec::document`) rather than the typed
//! `openapiv3` tree: validation walks schemas generically, and `$ref`s are resolved lazily
//! against the same document.

use serde_json::Value;
use simplio3d_codegen::Spec;

pub(crate) use simplio3d_codegen::resolve_ref as resolve;

/// Where a parameter lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamIn {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParamIn {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
            Self::Cookie => "cookie",
        }
    }
}

/// One declared parameter, `$ref` resolved.
#[derive(Clone, Debug)]
pub(crate) struct Parameter {
    pub(crate) name: String,
    pub(crate) location: ParamIn,
    pub(crate) required: bool,
    pub(crate) schema: Value,
    /// `style: form, explode: false` query arrays are comma-separated.
    pub(crate) explode: bool,
}

/// One media type of a request body or response.
#[derive(Clone, Debug)]
pub(crate) struct Media {
    pub(crate) media_type: String,
    pub(crate) schema: Option<Value>,
    /// The whole media type object (`example`, `examples`, `encoding`).
    pub(crate) object: Value,
}

/// The request body declaration.
#[derive(Clone, Debug)]
pub(crate) struct RequestBody {
    pub(crate) required: bool,
    pub(crate) content: Vec<Media>,
}

/// Which statuses a response declaration covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StatusKey {
    Code(u16),
    /// `2XX` → 2.
    Range(u16),
    Default,
}

impl StatusKey {
    fn parse(key: &str) -> Option<Self> {
        if key == "default" {
            return Some(Self::Default);
        }
        let upper = key.to_ascii_uppercase();
        if let Some(class) = upper.strip_suffix("XX") {
            return class
                .parse()
                .ok()
                .filter(|c| (1..=5).contains(c))
                .map(Self::Range);
        }
        key.parse()
            .ok()
            .filter(|c| (100..=599).contains(c))
            .map(Self::Code)
    }

    pub(crate) fn covers(self, status: u16) -> bool {
        match self {
            Self::Code(code) => code == status,
            Self::Range(class) => status / 100 == class,
            Self::Default => true,
        }
    }
}

/// One declared response.
#[derive(Clone, Debug)]
pub(crate) struct Response {
    pub(crate) key: StatusKey,
    pub(crate) content: Vec<Media>,
    /// `(name, header object)`, `$ref` resolved.
    pub(crate) headers: Vec<(String, Value)>,
}

/// How a security scheme presents its credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Credential {
    /// `apiKey` in a header, query parameter or cookie.
    ApiKey { location: ParamIn, name: String },
    /// `http` (`bearer`, `basic`, ...) or oauth2/openIdConnect: an `Authorization` header
    /// starting with the scheme.
    Authorization { scheme: String },
}

/// One security scheme of a requirement.
#[derive(Clone, Debug)]
pub(crate) struct Scheme {
    pub(crate) name: String,
    pub(crate) credential: Credential,
}

/// One operation, ready to validate against and answer for.
#[derive(Clone, Debug)]
pub(crate) struct OperationModel {
    pub(crate) name: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) parameters: Vec<Parameter>,
    pub(crate) request_body: Option<RequestBody>,
    pub(crate) responses: Vec<Response>,
    /// Alternatives (any one suffices), each a set of schemes that must all be present.
    /// Empty: no security.
    pub(crate) security: Vec<Vec<Scheme>>,
}

impl OperationModel {
    /// The declared response that covers `status`, preferring an exact code over a range
    /// over `default`.
    pub(crate) fn response_for(&self, status: u16) -> Option<&Response> {
        let rank = |key: StatusKey| match key {
            StatusKey::Code(_) => 0,
            StatusKey::Range(_) => 1,
            StatusKey::Default => 2,
        };
        self.responses
            .iter()
            .filter(|r| r.key.covers(status))
            .min_by_key(|r| rank(r.key))
    }

    /// Whether the spec declares `status` for this operation (exactly or by range or default).
    pub(crate) fn declares(&self, status: u16) -> bool {
        self.response_for(status).is_some()
    }

    /// The statuses a test can ask for: every explicit code, `200`-style representatives of
    /// ranges (`2XX` → 200).
    pub(crate) fn declared_statuses(&self) -> Vec<u16> {
        let mut statuses: Vec<u16> = self
            .responses
            .iter()
            .filter_map(|r| match r.key {
                StatusKey::Code(code) => Some(code),
                StatusKey::Range(class) => Some(class * 100),
                StatusKey::Default => None,
            })
            .collect();
        statuses.sort_unstable();
        statuses.dedup();
        statuses
    }

    /// The status of a successful answer: the lowest declared 2xx, else 200.
    pub(crate) fn success_status(&self) -> u16 {
        self.declared_statuses()
            .into_iter()
            .find(|s| (200..300).contains(s))
            .unwrap_or(200)
    }
}

/// Reads every operation of `spec` into an [`OperationModel`].
pub(crate) fn operations(spec: &Spec) -> Vec<OperationModel> {
    let doc = &spec.document;
    let global_security = doc.get("security");
    spec.operations
        .iter()
        .filter_map(|op| {
            let path_item = doc.get("paths")?.get(&op.path)?;
            let path_item = resolve(doc, path_item)?;
            let operation = path_item.get(&op.method)?;
            let mut parameters = read_parameters(doc, operation.get("parameters"));
            // Path-level parameters apply unless the operation overrides them.
            for p in read_parameters(doc, path_item.get("parameters")) {
                if !parameters
                    .iter()
                    .any(|q| q.name == p.name && q.location == p.location)
                {
                    parameters.push(p);
                }
            }
            let security = operation.get("security").or(global_security);
            Some(OperationModel {
                name: op.name.clone(),
                method: op.method.clone(),
                path: op.path.clone(),
                parameters,
                request_body: read_request_body(doc, operation.get("requestBody")),
                responses: read_responses(doc, operation.get("responses")),
                security: read_security(doc, security),
            })
        })
        .collect()
}

fn read_parameters(doc: &Value, list: Option<&Value>) -> Vec<Parameter> {
    let Some(list) = list.and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|p| resolve(doc, p))
        .filter_map(|p| {
            let location = match p.get("in")?.as_str()? {
                "path" => ParamIn::Path,
                "query" => ParamIn::Query,
                "header" => ParamIn::Header,
                "cookie" => ParamIn::Cookie,
                _ => return None,
            };
            let style_form = p
                .get("style")
                .and_then(Value::as_str)
                .is_none_or(|s| s == "form");
            Some(Parameter {
                name: p.get("name")?.as_str()?.to_owned(),
                location,
                required: location == ParamIn::Path
                    || p.get("required").and_then(Value::as_bool).unwrap_or(false),
                schema: p.get("schema").cloned().unwrap_or(Value::Bool(true)),
                explode: p
                    .get("explode")
                    .and_then(Value::as_bool)
                    .unwrap_or(style_form),
            })
        })
        .collect()
}

fn read_content(doc: &Value, content: Option<&Value>) -> Vec<Media> {
    let Some(content) = content.and_then(Value::as_object) else {
        return Vec::new();
    };
    content
        .iter()
        .map(|(media_type, object)| Media {
            media_type: media_type.to_ascii_lowercase(),
            schema: object.get("schema").cloned(),
            object: resolve(doc, object).cloned().unwrap_or(Value::Null),
        })
        .collect()
}

fn read_request_body(doc: &Value, body: Option<&Value>) -> Option<RequestBody> {
    let body = resolve(doc, body?)?;
    Some(RequestBody {
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        content: read_content(doc, body.get("content")),
    })
}

fn read_responses(doc: &Value, responses: Option<&Value>) -> Vec<Response> {
    let Some(responses) = responses.and_then(Value::as_object) else {
        return Vec::new();
    };
    responses
        .iter()
        .filter_map(|(key, response)| {
            let response = resolve(doc, response)?;
            let headers = response
                .get("headers")
                .and_then(Value::as_object)
                .map(|h| {
                    h.iter()
                        .filter_map(|(name, header)| {
                            Some((name.clone(), resolve(doc, header)?.clone()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(Response {
                key: StatusKey::parse(key)?,
                content: read_content(doc, response.get("content")),
                headers,
            })
        })
        .collect()
}

fn read_security(doc: &Value, security: Option<&Value>) -> Vec<Vec<Scheme>> {
    let Some(requirements) = security.and_then(Value::as_array) else {
        return Vec::new();
    };
    let schemes = doc.pointer("/components/securitySchemes");
    let mut alternatives = Vec::new();
    for requirement in requirements {
        let Some(requirement) = requirement.as_object() else {
            continue;
        };
        // `{}` in the list means "anonymous is allowed": no security at all.
        if requirement.is_empty() {
            return Vec::new();
        }
        let set: Vec<Scheme> = requirement
            .keys()
            .filter_map(|name| {
                let scheme = resolve(doc, schemes?.get(name)?)?;
                Some(Scheme {
                    name: name.clone(),
                    credential: credential(scheme)?,
                })
            })
            .collect();
        if !set.is_empty() {
            alternatives.push(set);
        }
    }
    alternatives
}

fn credential(scheme: &Value) -> Option<Credential> {
    match scheme.get("type")?.as_str()? {
        "apiKey" => Some(Credential::ApiKey {
            location: match scheme.get("in")?.as_str()? {
                "query" => ParamIn::Query,
                "cookie" => ParamIn::Cookie,
                _ => ParamIn::Header,
            },
            name: scheme.get("name")?.as_str()?.to_owned(),
        }),
        "http" => Some(Credential::Authorization {
            scheme: scheme.get("scheme")?.as_str()?.to_owned(),
        }),
        "oauth2" | "openIdConnect" => Some(Credential::Authorization {
            scheme: "bearer".to_owned(),
        }),
        _ => None,
    }
}
