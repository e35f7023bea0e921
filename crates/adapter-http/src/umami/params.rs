//! Query parameters of Umami's lists, in the document's names and the current client's.

use roster_domain::{Error, PageRequest, Result, TeamOrder, UserOrder, WebsiteOrder};
use serde::Deserialize;

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
        let search = self.query.clone().or_else(|| self.search.clone());
        let page_size = match &self.page_size {
            Some(size) => Some(number("pageSize", size)?),
            None => self
                .max_results
                .as_deref()
                .map(|n| number("maxResults", n))
                .transpose()?,
        };
        let request = PageRequest::new(
            self.page
                .as_deref()
                .map(|n| number("page", n))
                .transpose()?,
            page_size,
            search,
            column,
            flag("sortDescending", self.sort_descending.as_deref())?,
        )?;
        Ok(Listing {
            request,
            order_by: order_by.to_owned(),
        })
    }
}

fn number(name: &str, raw: &str) -> Result<u64> {
    raw.trim()
        .parse()
        .map_err(|_| Error::Invalid(format!("{name} must be a whole number (got {raw:?})")))
}

fn flag(name: &str, raw: Option<&str>) -> Result<bool> {
    match raw {
        None | Some("false" | "0" | "") => Ok(false),
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
        assert!(
            params("sortDescending=maybe")
                .listing::<TeamOrder>()
                .is_err()
        );
        assert!(params("page=0").listing::<TeamOrder>().is_err());
        assert!(params("pageSize=-1").listing::<TeamOrder>().is_err());
        assert!(!params("").is_paged() && params("query=x").is_paged());
    }
}
