//! Client-supplied values as they may appear in metric labels and log lines: labels from a
//! fixed set, log fields cut short. Otherwise every invented method or path is a new time
//! series kept for the life of the process, and a 60 KB method a 60 KB log line.

use poem::http::Method;

/// The most of any client-supplied value a log line carries.
pub(crate) const LOG_VALUE_MAX: usize = 200;

/// The methods HTTP defines; any other is answered 405 and counted as `other`.
const KNOWN_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT",
];

/// The metric label of `method`: its name if HTTP defines it, else `other`.
pub(crate) fn method_label(method: &Method) -> &'static str {
    KNOWN_METHODS
        .into_iter()
        .find(|known| *known == method.as_str())
        .unwrap_or("other")
}

pub(crate) fn is_known_method(method: &Method) -> bool {
    method_label(method) != "other"
}

/// At most [`LOG_VALUE_MAX`] bytes of `value`, cut at a character boundary.
pub(crate) fn clip(value: &str) -> &str {
    if value.len() <= LOG_VALUE_MAX {
        return value;
    }
    let mut end = LOG_VALUE_MAX;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let invented = Method::from_bytes("X".repeat(60_000).as_bytes()).unwrap();
        assert_eq!(method_label(&invented), "other");
        assert_eq!(method_label(&Method::from_bytes(b"get").unwrap()), "other");
    }

    #[test]
    fn clipping_keeps_short_values_and_whole_characters() {
        assert_eq!(clip("/api/users"), "/api/users");
        assert_eq!(clip(&"a".repeat(60_000)).len(), LOG_VALUE_MAX);
        let wide = "é".repeat(150);
        let clipped = clip(&wide);
        assert!(clipped.len() <= LOG_VALUE_MAX && clipped.chars().all(|c| c == 'é'));
    }
}
