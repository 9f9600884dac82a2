//! E-mail addresses and IPv6 addresses.

use super::*;

/// Email at the `@` at byte `at`: (start, end, reserved example domain).
pub(super) fn email_at(b: &[u8], at: usize) -> Option<(usize, usize, bool)> {
    let local = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-');
    let mut s = at;
    while s > 0 && local(b[s - 1]) && at - s < 64 {
        s -= 1;
    }
    while s < at && b[s] == b'.' {
        s += 1;
    }
    if s == at {
        return None;
    }
    let mut e = at + 1;
    while e < b.len()
        && (b[e].is_ascii_alphanumeric() || b[e] == b'.' || b[e] == b'-')
        && e - at < 255
    {
        e += 1;
    }
    while e > at + 1 && matches!(b[e - 1], b'.' | b'-') {
        e -= 1;
    }
    let domain = &b[at + 1..e];
    let dot = domain.iter().rposition(|&c| c == b'.')?;
    let tld = &domain[dot + 1..];
    if tld.len() < 2 || !tld.iter().all(u8::is_ascii_alphabetic) || dot == 0 {
        return None;
    }
    Some((s, e, reserved_domain(domain)))
}

/// RFC 2606 / 6761 names reserved for documentation and tests.
pub(super) fn reserved_domain(d: &[u8]) -> bool {
    let lower: Vec<u8> = d.iter().map(u8::to_ascii_lowercase).collect();
    let l = lower.as_slice();
    for base in [&b"example.com"[..], b"example.net", b"example.org"] {
        if l == base
            || (l.len() > base.len() && l.ends_with(base) && l[l.len() - base.len() - 1] == b'.')
        {
            return true;
        }
    }
    for tld in [
        &b".test"[..],
        b".example",
        b".invalid",
        b".localhost",
        b".local",
    ] {
        if l.ends_with(tld) {
            return true;
        }
    }
    false
}

/// IPv6 literals. Like e-mail (`@`), detection starts from a rare byte:
/// `memchr` finds each `:` and two neighbouring bytes reject most of them
/// (JSON `"k":"v"`, `http:`, `std::`), so text without IPv6 costs one
/// `memchr` pass. A candidate is the run of hex digits, `:` and `.` around
/// the colon; a cheap shape check (at most 45 bytes, a `::` or 7 colons,
/// or 6 colons and a dotted IPv4 tail) runs before `Ipv6Addr` parsing.
/// Brackets (`[2001:db8::1]:443`) and a zone id (`%eth0`) end the address;
/// the span covers the address only.
///
/// Look-alikes rejected: MAC / EUI-64 (every group two hex digits, no
/// `::`), times (`12:30:45` fails the shape check), `::` alone, code paths
/// (`std::vector` has a letter before the run; `a::b` has at most two
/// groups and no decimal digit, which real compressed addresses such as
/// `fd00::1` have), digests and versions without colons (never candidates).
///
/// Not personal data, never reported: unspecified `::`, loopback `::1`
/// (and IPv4-mapped loopback), link-local `fe80::/10` (valid only on one
/// link, usually auto-configured and not routable, so it cannot locate or
/// contact a person from outside that link), and multicast `ff00::/8`
/// (names a group, not a host). The documentation ranges `2001:db8::/32`
/// and `3fff::/20` are reserved example data, like `example.com` e-mail:
/// left out of findings, reported at low confidence when `reserved` is
/// set (redaction).
pub(super) fn ipv6_scan(
    text: &str,
    hint: Option<Entity>,
    reserved: bool,
    out: &mut Vec<Detection>,
) {
    let b = text.as_bytes();
    let n = b.len();
    let mut resume = 0;
    for p in memchr_iter(b':', b) {
        if p < resume {
            continue;
        }
        // left: at most 4 hex digits (the first group), then a boundary
        let mut s = p;
        while s > 0 && p - s < 5 && b[s - 1].is_ascii_hexdigit() {
            s -= 1;
        }
        if p - s > 4 || (s == p && b.get(p + 1) != Some(&b':')) || !ipv6_boundary_before(b, s) {
            continue;
        }
        let mut e = p + 1;
        while e < n && e - s <= 45 && (b[e].is_ascii_hexdigit() || matches!(b[e], b':' | b'.')) {
            e += 1;
        }
        resume = e;
        if e - s > 45 {
            // a longer colon-hex run (fingerprint, dump): skip all of it
            while resume < n && (b[resume].is_ascii_hexdigit() || matches!(b[resume], b':' | b'.'))
            {
                resume += 1;
            }
            continue;
        }
        while e > s && b[e - 1] == b'.' {
            e -= 1;
        }
        if e - s > 2 && b[e - 1] == b':' && b[e - 2] != b':' {
            e -= 1; // "address fd12::1: ok"
        }
        if e < n && (b[e].is_ascii_alphanumeric() || matches!(b[e], b'_' | b'@')) {
            continue;
        }
        let Some((conf, validator)) = ipv6_classify(text, s, &b[s..e], hint) else {
            continue;
        };
        // an address that is not reported still hides its bytes from the
        // other detectors (the IPv4 tail of `::ffff:127.0.0.1`): it goes in
        // the skip list with an empty validator and is dropped afterwards
        let report = !validator.is_empty() && (reserved || validator != IPV6_DOC);
        out.push(det(
            Entity::Ipv6,
            s,
            e,
            conf,
            if report { validator } else { "" },
        ));
    }
}

#[inline]
pub(super) fn ipv6_boundary_before(b: &[u8], s: usize) -> bool {
    s == 0
        || !(b[s - 1].is_ascii_alphanumeric()
            || matches!(b[s - 1], b'_' | b'.' | b'-' | b':' | b'@'))
}

pub(super) const IPV6_DOC: &str = "ipv6-parse+documentation-range";

/// Validates one candidate: `None` when it is not an IPv6 address; an
/// empty validator for an address that is not personal data; [`IPV6_DOC`]
/// for a documentation-range address.
pub(super) fn ipv6_classify(
    text: &str,
    s: usize,
    c: &[u8],
    hint: Option<Entity>,
) -> Option<(Confidence, &'static str)> {
    let colons = c.iter().filter(|&&x| x == b':').count();
    let dc = c.windows(2).any(|w| w == b"::");
    let dotted = c.contains(&b'.');
    if !dc && colons != 7 && !(colons == 6 && dotted) {
        return None;
    }
    let a: std::net::Ipv6Addr = std::str::from_utf8(c).ok()?.parse().ok()?;
    let groups = c.split(|&x| x == b':').filter(|g| !g.is_empty());
    let (mut ng, mut long, mut all_two) = (0, false, true);
    for g in groups {
        ng += 1;
        long |= g.len() >= 3;
        all_two &= g.len() == 2;
    }
    if !dc && all_two {
        return None; // EUI-64 / MAC-style
    }
    if ng <= 2 && !(long && c.iter().any(u8::is_ascii_digit)) {
        return None; // `a::b`, `A::B`, `ab::cd`: code paths, not addresses
    }
    let seg = a.segments();
    if a.is_unspecified()
        || a.is_loopback()
        || seg[0] & 0xffc0 == 0xfe80
        || seg[0] & 0xff00 == 0xff00
    {
        return Some((Confidence::Low, ""));
    }
    if let Some(v4) = a.to_ipv4_mapped() {
        if v4.is_loopback() || v4.is_unspecified() {
            return Some((Confidence::Low, ""));
        }
    }
    if (seg[0] == 0x2001 && seg[1] == 0x0db8) || seg[0] & 0xfff0 == 0x3ff0 {
        return Some((Confidence::Low, IPV6_DOC));
    }
    let ctx =
        matches!(hint, Some(Entity::Ipv4 | Entity::Ipv6)) || ctx_any(text, s, 1, 16, IP_WORDS);
    let conf = if ctx || ng >= 4 {
        Confidence::High
    } else {
        Confidence::Medium
    };
    Some((conf, "ipv6-parse"))
}
