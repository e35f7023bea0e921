use crate::{Error, Result};

/// The largest page a list returns; larger requests are cut to it.
pub const MAX_PAGE_SIZE: u64 = 100;
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The highest page number: its offset stays far inside what every database accepts.
pub const MAX_PAGE: u64 = 1_000_000_000;
/// The longest search: as long as the longest searchable value (a website's domain), and far
/// below what any database's pattern matching accepts.
pub const MAX_SEARCH_CHARS: usize = 500;

/// Which page of a list, sorted by what, filtered how. `O` names the sortable columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest<O> {
    /// 1-based.
    pub page: u64,
    pub page_size: u64,
    /// Case-insensitive substring of the name (and domain, for websites).
    pub search: Option<String>,
    pub order_by: O,
    pub descending: bool,
}

/// Checks a search as sent: at most [`MAX_SEARCH_CHARS`] characters, none a control
/// character.
///
/// # Errors
/// [`Error::Invalid`] when it is longer or holds a control character.
pub fn check_search(raw: &str) -> Result<()> {
    if raw.chars().count() > MAX_SEARCH_CHARS {
        return Err(Error::Invalid(format!(
            "search must be at most {MAX_SEARCH_CHARS} characters"
        )));
    }
    if raw.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "search must not contain control characters".into(),
        ));
    }
    Ok(())
}

impl<O> PageRequest<O> {
    /// Checks and bounds the numbers: pages start at 1, sizes are cut to [`MAX_PAGE_SIZE`].
    ///
    /// # Errors
    /// [`Error::Invalid`] for a page or size of 0, a page past [`MAX_PAGE`], or a search
    /// longer than [`MAX_SEARCH_CHARS`] or holding control characters.
    pub fn new(
        page: Option<u64>,
        page_size: Option<u64>,
        search: Option<String>,
        order_by: O,
        descending: bool,
    ) -> Result<Self> {
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page == 0 || page_size == 0 {
            return Err(Error::Invalid("page and pageSize start at 1".into()));
        }
        if page > MAX_PAGE {
            return Err(Error::Invalid(format!("page must be at most {MAX_PAGE}")));
        }
        if let Some(search) = &search {
            check_search(search)?;
        }
        let search = search
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        Ok(Self {
            page,
            page_size: page_size.min(MAX_PAGE_SIZE),
            search,
            order_by,
            descending,
        })
    }

    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.page_size)
    }
}

/// One page of a list and the size of the whole list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub count: u64,
    pub page: u64,
    pub page_size: u64,
}

impl<T> Page<T> {
    /// `items`: the page `request` asked for of a list `count` long.
    pub fn of<O>(items: Vec<T>, count: u64, request: &PageRequest<O>) -> Self {
        Self {
            items,
            count,
            page: request.page,
            page_size: request.page_size,
        }
    }
}

/// Columns users can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserOrder {
    Username,
    CreatedAt,
}

/// Columns teams can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeamOrder {
    Name,
    CreatedAt,
}

/// Columns websites can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebsiteOrder {
    Name,
    Domain,
    CreatedAt,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_default_bound_and_refuse_zero() {
        let p = PageRequest::new(None, None, Some("  ".into()), TeamOrder::Name, false).unwrap();
        assert_eq!((p.page, p.page_size, p.offset()), (1, 20, 0));
        assert_eq!(p.search, None);
        let p = PageRequest::new(Some(3), Some(1000), None, TeamOrder::Name, true).unwrap();
        assert_eq!((p.page_size, p.offset()), (MAX_PAGE_SIZE, 200));
        assert!(PageRequest::new(Some(0), None, None, TeamOrder::Name, false).is_err());
        assert!(PageRequest::new(None, Some(0), None, TeamOrder::Name, false).is_err());
        assert!(PageRequest::new(Some(u64::MAX), None, None, TeamOrder::Name, false).is_err());
        assert!(PageRequest::new(Some(MAX_PAGE), Some(100), None, TeamOrder::Name, false).is_ok());
        let nul = Some("a\u{0}".to_owned());
        assert!(PageRequest::new(None, None, nul, TeamOrder::Name, false).is_err());
        let longest = Some("é".repeat(MAX_SEARCH_CHARS));
        assert!(PageRequest::new(None, None, longest, TeamOrder::Name, false).is_ok());
        let longer = Some("x".repeat(MAX_SEARCH_CHARS + 1));
        assert!(PageRequest::new(None, None, longer, TeamOrder::Name, false).is_err());
    }
}
