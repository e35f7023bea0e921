//! Query parameters of Umami's lists, in the document's names and the current client's.

use roster_domain::{
    Error, MAX_PAGE, MAX_PAGE_SIZE, MAX_SEARCH_CHARS, PageRequest, Result, TeamOrder, UserOrder,
    WebsiteOrder, check_search,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// `page`, `pageSize` (or `maxResults`), `query` (or `search`), `orderBy`,
/// `sortDescending`, `includeTeams`.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListParams {
    // Numbers arrive as text so that a bad one is refused with its name.
    page: Option<String>,
    page_size: Option<String>,
    max_results: Option<String>,
    query: Option<String>,
    search: Option<String>,
    order_by: Option<String>,
    sort_descending: Option<String>,
    include_teams: Option<String>,
}

/// A page request, with the `orderBy` to echo in the answer.
pub(crate) struct Listing<O> {
    pub request: PageRequest<O>,
    pub order_by: String,
}

/// Columns a list may be sorted by, by their Umami names.
pub(crate) trait Sortable: Sized + Copy + 'static {
    const COLUMNS: &'static [(&'static str, Self)];
}

impl Sortable for TeamOrder {
    const COLUMNS: &'static [(&'static str, Self)] =
        &[("name", Self::Name), ("createdAt", Self::CreatedAt)];
}

impl Sortable for WebsiteOrder {
    const COLUMNS: &'static [(&'static str, Self)] = &[
        ("name", Self::Name),
        ("domain", Self::Domain),
        ("createdAt", Self::CreatedAt),
    ];
}

impl Sortable for UserOrder {
    const COLUMNS: &'static [(&'static str, Self)] =
        &[("username", Self::Username), ("createdAt", Self::CreatedAt)];
}

impl ListParams {
    /// Whether any paging parameter was sent (`/admin/users` answers a bare array otherwise).
    pub fn is_paged(&self) -> bool {
        self.page.is_some()
            || self.page_size.is_some()
            || self.max_results.is_some()
            || self.query.is_some()
            || self.search.is_some()
            || self.order_by.is_some()
    }

    pub fn include_teams(&self) -> Result<bool> {
        flag("includeTeams", self.include_teams.as_deref())
    }

    /// The page request; `orderBy` defaults to the first sortable column.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unknown `orderBy`, a zero page or size, or a bad flag.
    pub fn listing<O: Sortable>(&self) -> Result<Listing<O>> {
        let (default_name, _) = O::COLUMNS[0];
        let order_by = self.order_by.as_deref().unwrap_or(default_name);
        let column = O::COLUMNS
            .iter()
            .find(|(name, _)| *name == order_by)
            .map(|(_, column)| *column)
            .ok_or_else(|| {
                let names: Vec<_> = O::COLUMNS.iter().map(|(name, _)| *name).collect();
                Error::Invalid(format!("orderBy must be one of {}", names.join(", ")))
            })?;
        // Both names are checked, though only one is used.
        for search in [&self.query, &self.search].into_iter().flatten() {
            check_search(search)?;
        }
        let search = self.query.clone().or_else(|| self.search.clone());
        let max_results = self
            .max_results
            .as_deref()
            .map(|n| number("maxResults", n))
            .transpose()?;
        if max_results == Some(0) {
            return Err(Error::Invalid("maxResults starts at 1".into()));
        }
        let page_size = match &self.page_size {
            Some(size) => Some(number("pageSize", size)?),
            None => max_results,
        };
        let request = PageRequest::new(
            self.page
                .as_deref()
                .map(|n| number("page", n))
                .transpose()?,
            page_size,
            search,
            column,
            sort_descending(self.sort_descending.as_deref())?,
        )?;
        Ok(Listing {
            request,
            order_by: order_by.to_owned(),
        })
    }
}

/// The lists, by operationId, with the columns they sort by and whether they take
/// `includeTeams`. The handlers read their parameters through serde ([`ListParams`]), which
/// poem-openapi does not see, so [`declare_list_parameters`] tells the document.
fn lists() -> [(&'static str, Vec<&'static str>, bool); 11] {
    fn columns<O: Sortable>() -> Vec<&'static str> {
        O::COLUMNS.iter().map(|(name, _)| *name).collect()
    }
    [
        ("getAdminUsers", columns::<UserOrder>(), false),
        ("getAdminTeams", columns::<TeamOrder>(), false),
        ("getTeams", columns::<TeamOrder>(), false),
        ("getMyTeams", columns::<TeamOrder>(), false),
        ("getUserTeams", columns::<TeamOrder>(), false),
        ("getTeamUsers", columns::<TeamOrder>(), false),
        ("getAdminWebsites", columns::<WebsiteOrder>(), false),
        ("getTeamWebsites", columns::<WebsiteOrder>(), false),
        ("listWebsites", columns::<WebsiteOrder>(), true),
        ("getMyWebsites", columns::<WebsiteOrder>(), true),
        ("getUserWebsites", columns::<WebsiteOrder>(), true),
    ]
}

/// Adds each list's query parameters to its operation in `doc`, an OpenAPI document.
pub(crate) fn declare_list_parameters(doc: &mut Value) {
    let lists = lists();
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    for operation in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in operation.values_mut() {
            let id = operation.get("operationId").and_then(Value::as_str);
            let Some((_, columns, include_teams)) = lists.iter().find(|(op, ..)| Some(*op) == id)
            else {
                continue;
            };
            let number = |name: &str, text: &str, maximum: Option<u64>| {
                // No `format`: a size past any integer type is still taken (and cut to the most).
                let mut schema = json!({"type": "integer", "minimum": 1});
                if let Some(maximum) = maximum {
                    schema["maximum"] = json!(maximum);
                }
                json!({"name": name, "in": "query", "description": text, "schema": schema})
            };
            let search = |name: &str| {
                let schema = json!({
                    "type": "string",
                    "maxLength": MAX_SEARCH_CHARS,
                    "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
                });
                let text = "Names (and domains) that contain this text, in any case.";
                json!({"name": name, "in": "query", "description": text, "schema": schema})
            };
            // Flags are text, as in Umami's own document, which @umami/api-client follows.
            let flag = |name: &str, text: &str, values: &[&str]| {
                json!({"name": name, "in": "query", "description": text,
                       "schema": {"type": "string", "enum": values}})
            };
            let mut parameters = vec![
                number("page", "The page, from 1.", Some(MAX_PAGE)),
                number(
                    "pageSize",
                    &format!("Items per page; more than {MAX_PAGE_SIZE} gives {MAX_PAGE_SIZE}."),
                    None,
                ),
                number("maxResults", "Another name for `pageSize`.", None),
                search("query"),
                search("search"),
                json!({"name": "orderBy", "in": "query", "description": "The column to sort by.",
                       "schema": {"type": "string", "enum": columns}}),
                flag("sortDescending", "Sort from the last.", &["true", "false"]),
            ];
            if *include_teams {
                parameters.push(flag(
                    "includeTeams",
                    "Also the websites of the user's teams.",
                    &["true", "false", "1", "0"],
                ));
            }
            let declared = operation
                .as_object_mut()
                .expect("an operation is an object")
                .entry("parameters")
                .or_insert_with(|| json!([]));
            if let Value::Array(declared) = declared {
                declared.extend(parameters);
            }
        }
    }
}

fn number(name: &str, raw: &str) -> Result<u64> {
    match raw.trim().parse() {
        Ok(n) => Ok(n),
        // A number past any integer type is still a whole number: the most there is.
        Err(err) if *err.kind() == std::num::IntErrorKind::PosOverflow => Ok(u64::MAX),
        Err(_) => Err(Error::Invalid(format!(
            "{name} must be a whole number (got {raw:?})"
        ))),
    }
}

/// `true` or `false`, the two values Umami's document allows.
fn sort_descending(raw: Option<&str>) -> Result<bool> {
    match raw {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(Error::Invalid(format!(
            "sortDescending must be true or false (got {other:?})"
        ))),
    }
}

fn flag(name: &str, raw: Option<&str>) -> Result<bool> {
    match raw {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(Error::Invalid(format!(
            "{name} must be true or false (got {other:?})"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> ListParams {
        serde_urlencoded::from_str(query).unwrap()
    }

    #[test]
    fn defaults_aliases_and_refusals() {
        let listing = params("").listing::<TeamOrder>().unwrap();
        assert_eq!(
            (listing.request.page, listing.order_by.as_str()),
            (1, "name")
        );
        let listing = params("maxResults=5&search=ab&sortDescending=true&orderBy=createdAt")
            .listing::<WebsiteOrder>()
            .unwrap();
        assert_eq!(listing.request.page_size, 5);
        assert_eq!(listing.request.search.as_deref(), Some("ab"));
        assert!(listing.request.descending);
        assert_eq!(listing.request.order_by, WebsiteOrder::CreatedAt);
        assert!(params("orderBy=password").listing::<UserOrder>().is_err());
        for refused in ["maybe", "1", ""] {
            let query = format!("sortDescending={refused}");
            assert!(params(&query).listing::<TeamOrder>().is_err(), "{query}");
        }
        assert!(params("includeTeams=1").include_teams().unwrap());
        assert!(!params("includeTeams=0").include_teams().unwrap());
        assert!(params("includeTeams=").include_teams().is_err());
        assert!(params("page=0").listing::<TeamOrder>().is_err());
        assert!(params("pageSize=-1").listing::<TeamOrder>().is_err());
        let huge = params("maxResults=120386174553122922299392").listing::<TeamOrder>();
        assert_eq!(huge.unwrap().request.page_size, MAX_PAGE_SIZE);
        assert!(
            params("page=99999999999999999999999")
                .listing::<TeamOrder>()
                .is_err()
        );
        let unused = params("query=ab&search=a%1Eb").listing::<TeamOrder>();
        assert!(
            unused.is_err(),
            "the search that query shadows is checked too"
        );
        assert!(!params("").is_paged() && params("query=x").is_paged());
    }

    #[test]
    fn every_list_in_the_table_is_an_operation_that_gets_its_parameters() {
        let doc = crate::docs::document(&crate::Mounts::default());
        let mut found = Vec::new();
        for operation in doc["paths"].as_object().unwrap().values() {
            for operation in operation.as_object().unwrap().values() {
                let names: Vec<&str> = operation["parameters"]
                    .as_array()
                    .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
                    .unwrap_or_default();
                if names.contains(&"pageSize") {
                    found.push(operation["operationId"].as_str().unwrap());
                }
            }
        }
        found.sort_unstable();
        let mut listed: Vec<&str> = lists().iter().map(|(op, ..)| *op).collect();
        listed.sort_unstable();
        assert_eq!(found, listed);
    }
}
