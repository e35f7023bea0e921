//! The methods each resource answers, for the `Allow` header a 405 must carry (RFC 9110
//! §15.5.6); poem's router sends none.

use serde_json::Value;

use crate::Mounts;

/// The operational routes, outside the OpenAPI document.
const OPS_PATHS: [&str; 5] = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"];

/// Resource templates (`/api/users/{username}`) and the `Allow` value of each.
pub(crate) struct Allow {
    resources: Vec<(Vec<String>, String)>,
    /// Every method served anywhere: the answer for a path that names no resource.
    all: String,
}

impl Allow {
    pub(crate) fn new(mounts: &Mounts) -> Self {
        let document = crate::docs::document(mounts);
        let mut resources: Vec<(Vec<String>, Vec<String>)> = OPS_PATHS
            .iter()
            .filter(|path| mounts.metrics || **path != "/metrics")
            .map(|path| (segments(path), vec!["GET".to_owned()]))
            .collect();
        if let Some(Value::Object(paths)) = document.get("paths") {
            for (path, operations) in paths {
                let methods = operations
                    .as_object()
                    .map(|ops| ops.keys().map(|m| m.to_uppercase()).collect())
                    .unwrap_or_default();
                resources.push((segments(path), methods));
            }
        }
        let mut all: Vec<String> = resources.iter().flat_map(|(_, m)| m.clone()).collect();
        all.sort();
        all.dedup();
        Self {
            all: header_value(all),
            resources: resources
                .into_iter()
                .map(|(template, methods)| (template, header_value(methods)))
                .collect(),
        }
    }

    /// The methods of the resource at `path`; of the whole service if it names none. Of
    /// templates that match, the one with the most literal segments wins, as in the router.
    pub(crate) fn for_path(&self, path: &str) -> &str {
        let wanted = segments(path);
        self.resources
            .iter()
            .filter(|(template, _)| matches(template, &wanted))
            .max_by_key(|(template, _)| template.iter().filter(|s| !is_param(s)).count())
            .map_or(&self.all, |(_, allow)| allow)
    }
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

fn matches(template: &[String], path: &[String]) -> bool {
    template.len() == path.len()
        && template
            .iter()
            .zip(path)
            .all(|(t, p)| is_param(t) || t == p)
}

/// `GET, HEAD, POST`: HEAD wherever GET is, since the router answers it from GET.
fn header_value(mut methods: Vec<String>) -> String {
    if methods.iter().any(|m| m == "GET") {
        methods.push("HEAD".into());
    }
    let order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
    methods.sort_by_key(|m| order.iter().position(|o| o == m).unwrap_or(order.len()));
    methods.dedup();
    methods.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_methods_of_the_matching_resource() {
        let allow = Allow::new(&Mounts::default());
        assert_eq!(allow.for_path("/api/users"), "GET, HEAD, POST");
        assert_eq!(allow.for_path("/api/users/alice"), "GET, HEAD, PUT, DELETE");
        assert_eq!(allow.for_path("/umami/api/teams/join"), "POST");
        assert_eq!(allow.for_path("/healthz"), "GET, HEAD");
        assert_eq!(allow.for_path("/metrics"), "GET, HEAD");
        let apart = Allow::new(&Mounts {
            metrics: false,
            ..Mounts::default()
        });
        assert_eq!(
            apart.for_path("/metrics"),
            apart.for_path("/nowhere/at/all"),
            "served on a listener of its own, /metrics is no resource here"
        );
        assert_eq!(
            allow.for_path("/nowhere/at/all"),
            "GET, HEAD, POST, PUT, DELETE"
        );
    }
}
