//! Routing by method + OpenAPI path template.
//!
//! Hand-rolled rather than axum's router because routes come from the spec at run time and
//! the answers for "no such path" (404) and "no such method" (405 with `Allow`) must follow
//! OpenAPI's precedence: a literal segment beats a `{parameter}` segment.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{name}`; `prefix{name}suffix` templates are matched by prefix and suffix.
    Param {
        name: String,
        prefix: String,
        suffix: String,
    },
}

#[derive(Debug)]
struct Route {
    segments: Vec<Segment>,
    /// Lower-case method → operation index.
    methods: BTreeMap<String, usize>,
}

/// The result of routing one request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Routed {
    /// The operation index and the decoded path parameters.
    Found {
        operation: usize,
        path_params: Vec<(String, String)>,
    },
    /// The path exists; these methods (upper case) are allowed.
    MethodNotAllowed {
        allow: Vec<String>,
    },
    NotFound,
}

/// All path templates of a spec.
#[derive(Debug, Default)]
pub(crate) struct Router {
    routes: Vec<Route>,
}

impl Router {
    /// Adds `method path` as operation `index`.
    pub(crate) fn add(&mut self, method: &str, path: &str, index: usize) {
        let segments = parse_template(path);
        match self.routes.iter_mut().find(|r| r.segments == segments) {
            Some(route) => {
                route.methods.insert(method.to_ascii_lowercase(), index);
            }
            None => self.routes.push(Route {
                segments,
                methods: BTreeMap::from([(method.to_ascii_lowercase(), index)]),
            }),
        }
    }

    /// Routes a request path (without query).
    pub(crate) fn route(&self, method: &str, path: &str) -> Routed {
        let parts: Vec<&str> = split(path).collect();
        let best = self
            .routes
            .iter()
            .filter(|r| r.segments.len() == parts.len())
            .enumerate()
            .filter_map(|(i, r)| bind(&r.segments, &parts).map(|params| (i, r, params)))
            // Most literal segments first (leftmost counting most); ties: the
            // earliest-declared route (`max_by_key` keeps the last maximum, hence `Reverse`).
            .max_by_key(|(i, r, _)| {
                let literals: Vec<bool> = r
                    .segments
                    .iter()
                    .map(|s| matches!(s, Segment::Literal(_)))
                    .collect();
                (literals, std::cmp::Reverse(*i))
            })
            .map(|(_, r, params)| (r, params));
        let Some((route, path_params)) = best else {
            return Routed::NotFound;
        };
        match route.methods.get(&method.to_ascii_lowercase()) {
            Some(&operation) => Routed::Found {
                operation,
                path_params,
            },
            None => Routed::MethodNotAllowed {
                allow: route
                    .methods
                    .keys()
                    .map(|m| m.to_ascii_uppercase())
                    .collect(),
            },
        }
    }
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.trim_matches('/').split('/').filter(|s| !s.is_empty())
}

fn parse_template(path: &str) -> Vec<Segment> {
    split(path)
        .map(|segment| match (segment.find('{'), segment.rfind('}')) {
            (Some(open), Some(close)) if open < close => Segment::Param {
                name: segment[open + 1..close].to_owned(),
                prefix: segment[..open].to_owned(),
                suffix: segment[close + 1..].to_owned(),
            },
            _ => Segment::Literal(segment.to_owned()),
        })
        .collect()
}

fn bind(segments: &[Segment], parts: &[&str]) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    for (segment, part) in segments.iter().zip(parts) {
        let decoded = percent_decode_str(part).decode_utf8_lossy();
        match segment {
            Segment::Literal(literal) => {
                if *literal != decoded {
                    return None;
                }
            }
            Segment::Param {
                name,
                prefix,
                suffix,
            } => {
                let value = decoded
                    .strip_prefix(prefix.as_str())?
                    .strip_suffix(suffix.as_str())?;
                if value.is_empty() {
                    return None;
                }
                params.push((name.clone(), value.to_owned()));
            }
        }
    }
    Some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let mut r = Router::default();
        r.add("get", "/items/{id}", 0);
        r.add("delete", "/items/{id}", 1);
        r.add("get", "/items/latest", 2);
        r.add("post", "/files/{name}.json", 3);
        r
    }

    #[test]
    fn literal_beats_parameter_and_parameters_are_decoded() {
        let r = router();
        assert_eq!(
            r.route("GET", "/items/latest"),
            Routed::Found {
                operation: 2,
                path_params: vec![]
            }
        );
        assert_eq!(
            r.route("GET", "/items/a%20b"),
            Routed::Found {
                operation: 0,
                path_params: vec![("id".into(), "a b".into())]
            }
        );
        assert_eq!(
            r.route("POST", "/files/report.json"),
            Routed::Found {
                operation: 3,
                path_params: vec![("name".into(), "report".into())]
            }
        );
    }

    /// `/files/{name}.json` and `/files/{id}` both match `/files/report.json` with no literal
    /// segment to tell them apart: the one declared first wins.
    #[test]
    fn ties_go_to_the_earliest_declared_route() {
        let mut r = router();
        r.add("post", "/files/{id}", 4);
        assert_eq!(
            r.route("POST", "/files/report.json"),
            Routed::Found {
                operation: 3,
                path_params: vec![("name".into(), "report".into())]
            }
        );
    }

    #[test]
    fn unknown_method_lists_allowed_ones_and_unknown_path_is_not_found() {
        let r = router();
        assert_eq!(
            r.route("PUT", "/items/7"),
            Routed::MethodNotAllowed {
                allow: vec!["DELETE".into(), "GET".into()]
            }
        );
        assert_eq!(r.route("GET", "/items"), Routed::NotFound);
        assert_eq!(r.route("GET", "/items/7/extra"), Routed::NotFound);
    }
}
