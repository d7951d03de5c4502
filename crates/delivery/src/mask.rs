//! Masking of e-mail addresses in texts that reach logs or caseworkers.

/// `kari.nordmann@example.no` -> `k***@example.no`. Text without `@` comes back as `***`.
pub fn mask_email(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first = local.chars().next().map(String::from).unwrap_or_default();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || "._%+-!#$&'*/=?^`{|}~".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '-'
}

/// Masks every e-mail address in a free text (e.g. an SMTP server's reply, which often repeats
/// the recipient), as [`mask_email`] does.
pub fn mask_emails_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // Walk back over the local part already copied to `out`.
        let mut local_len = 0;
        for c in out.chars().rev() {
            if !is_local_char(c) {
                break;
            }
            local_len += 1;
        }
        let keep = out.chars().count() - local_len;
        let first = out.chars().nth(keep);
        out = out.chars().take(keep).collect();
        if let Some(first) = first {
            out.push(first);
            out.push_str("***");
        }
        out.push('@');
        i += 1;
        while i < chars.len() && is_domain_char(chars[i]) {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked() {
        assert_eq!(mask_email("kari.nordmann@example.no"), "k***@example.no");
        assert_eq!(mask_email("nope"), "***");
        assert_eq!(
            mask_emails_in("5.1.1 <kari.nordmann@example.no>: Recipient address rejected"),
            "5.1.1 <k***@example.no>: Recipient address rejected"
        );
        assert_eq!(
            mask_emails_in("a@b.no and ola+x@c.no."),
            "a***@b.no and o***@c.no."
        );
        assert_eq!(mask_emails_in("no address here"), "no address here");
    }
}
