//! Templates with `{placeholder}`s (`{{`/`}}` for literal braces), JSON Pointer checks and
//! percent-encoding of values put into URLs.

/// A parsed template: literal text and placeholder names, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Placeholder(String),
}

impl Template {
    /// Parses `text`; the error says what is wrong (it quotes the template, which is config).
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(format!("unclosed '{{' in template {text:?}"));
                            }
                            Some(c) => name.push(c),
                        }
                    }
                    if name.is_empty() {
                        return Err(format!("empty placeholder '{{}}' in template {text:?}"));
                    }
                    if !literal.is_empty() {
                        segments.push(Segment::Literal(std::mem::take(&mut literal)));
                    }
                    segments.push(Segment::Placeholder(name));
                }
                '}' => return Err(format!("unmatched '}}' in template {text:?} (use '}}}}')")),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal));
        }
        Ok(Self { segments })
    }

    /// The placeholder names, in order of appearance.
    pub(crate) fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Placeholder(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// Renders with `value` giving the text for each placeholder.
    pub(crate) fn render<E>(
        &self,
        mut value: impl FnMut(&str) -> Result<String, E>,
    ) -> Result<String, E> {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Placeholder(name) => out.push_str(&value(name)?),
            }
        }
        Ok(out)
    }
}

/// Checks RFC 6901 syntax: empty (the whole document) or `/`-separated reference tokens in
/// which `~` only appears as `~0` or `~1`.
pub(crate) fn check_pointer(pointer: &str) -> Result<(), String> {
    if pointer.is_empty() {
        return Ok(());
    }
    if !pointer.starts_with('/') {
        return Err(format!(
            "JSON Pointer {pointer:?} must be empty or start with '/'"
        ));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(format!(
                "JSON Pointer {pointer:?}: '~' must be followed by 0 or 1"
            ));
        }
    }
    Ok(())
}

/// Percent-encodes everything except the RFC 3986 unreserved characters, so a value cannot
/// change the structure of the URL it is put into.
pub(crate) fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether `text` is a machine key: 1 to 64 characters of `a-z`, `0-9`, `_` and `-`.
pub(crate) fn is_machine_key(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn render_upper(t: &Template) -> String {
        t.render::<()>(|name| Ok(name.to_uppercase())).unwrap()
    }

    #[test]
    fn templates_parse_placeholders_and_escaped_braces() {
        let t = Template::parse("Faktura {/invoiceNo} {{x}} av {/date}").unwrap();
        assert_eq!(
            t.placeholders().collect::<Vec<_>>(),
            ["/invoiceNo", "/date"]
        );
        assert_eq!(render_upper(&t), "Faktura /INVOICENO {x} av /DATE");
        assert_eq!(render_upper(&Template::parse("plain").unwrap()), "plain");
    }

    #[test]
    fn malformed_templates_are_refused() {
        for bad in ["a {b", "a }", "{}", "{a{b}}"] {
            assert!(Template::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pointers_follow_rfc_6901() {
        for good in ["", "/", "/a/0", "/a~1b", "/m~0n", "/ø"] {
            assert!(check_pointer(good).is_ok(), "{good:?}");
        }
        for bad in ["a", "/a~", "/a~2", "#/a"] {
            assert!(check_pointer(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn components_are_percent_encoded() {
        assert_eq!(
            encode_component("a b/c?d=e&f#g"),
            "a%20b%2Fc%3Fd%3De%26f%23g"
        );
        assert_eq!(encode_component("å-1.x_~"), "%C3%A5-1.x_~");
    }
}
