//! Networks as address ranges, and a sorted range table for overlap queries.
//!
//! Hand-written because it is 100 lines: a CIDR is an inclusive `u128` range
//! (IPv4 mapped into its own family so v4 and v6 never meet), and a table of
//! disjoint-start ranges sorted by start answers "which environment networks
//! overlap this one" with a binary search plus a short scan, which is all the
//! rules need (a few dozen networks per repository).

use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    pub v6: bool,
    pub start: u128,
    pub end: u128,
    pub prefix: u8,
}

impl Cidr {
    /// `a.b.c.d/n` or an IPv6 prefix; a bare address is a /32 or /128 only
    /// when `allow_host` is set by the caller through [`Cidr::parse_host`].
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, len) = s.trim().split_once('/')?;
        let len: u8 = len.parse().ok()?;
        Self::from_parts(addr.parse().ok()?, len)
    }

    /// A CIDR or a single address.
    pub fn parse_host(s: &str) -> Option<Cidr> {
        Self::parse(s).or_else(|| {
            let ip: IpAddr = s.trim().parse().ok()?;
            let len = if ip.is_ipv4() { 32 } else { 128 };
            Self::from_parts(ip, len)
        })
    }

    fn from_parts(ip: IpAddr, len: u8) -> Option<Cidr> {
        let (v6, bits, value) = match ip {
            IpAddr::V4(a) => (false, 32u8, u128::from(u32::from(a))),
            IpAddr::V6(a) => (true, 128u8, u128::from(a)),
        };
        if len > bits {
            return None;
        }
        let host_bits = u32::from(bits - len);
        let mask = if host_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        let start = value & !mask;
        Some(Cidr {
            v6,
            start,
            end: start | mask,
            prefix: len,
        })
    }

    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.v6 == other.v6 && self.start <= other.end && other.start <= self.end
    }

    pub fn contains(&self, other: &Cidr) -> bool {
        self.v6 == other.v6 && self.start <= other.start && other.end <= self.end
    }

    /// `0.0.0.0/0` or `::/0`.
    pub fn is_any(&self) -> bool {
        self.prefix == 0
    }
}

/// Ranges with a payload, sorted by start, for overlap queries.
#[derive(Debug, Clone)]
pub struct CidrTable<T> {
    items: Vec<(Cidr, T)>,
    /// `max_end[i]` = the largest `end` among `items[..=i]` of the same family
    /// order (items are sorted by (v6, start)), so a query can stop early.
    max_end: Vec<(bool, u128)>,
}

impl<T> CidrTable<T> {
    pub fn new(mut items: Vec<(Cidr, T)>) -> Self {
        items.sort_by_key(|(c, _)| (c.v6, c.start, c.end));
        let mut max_end = Vec::with_capacity(items.len());
        let mut cur: Option<(bool, u128)> = None;
        for (c, _) in &items {
            cur = match cur {
                Some((v6, m)) if v6 == c.v6 => Some((v6, m.max(c.end))),
                _ => Some((c.v6, c.end)),
            };
            max_end.push(cur.unwrap_or((c.v6, c.end)));
        }
        CidrTable { items, max_end }
    }

    /// Every entry whose range overlaps `q`.
    pub fn overlapping<'a>(&'a self, q: &Cidr) -> impl Iterator<Item = &'a (Cidr, T)> + 'a {
        let q = *q;
        // Entries starting after q.end cannot overlap; scan backwards from there
        // while the running max end still reaches q.start.
        let hi = self
            .items
            .partition_point(|(c, _)| (c.v6, c.start) <= (q.v6, q.end));
        let mut lo = hi;
        while lo > 0 {
            let (v6, m) = self.max_end[lo - 1];
            if v6 != q.v6 || m < q.start {
                break;
            }
            lo -= 1;
        }
        self.items[lo..hi]
            .iter()
            .filter(move |(c, _)| c.overlaps(&q))
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_and_relations() {
        let a = Cidr::parse("10.0.0.0/8").expect("cidr");
        let b = Cidr::parse("10.2.3.0/24").expect("cidr");
        assert!(a.contains(&b) && a.overlaps(&b) && !b.contains(&a));
        assert!(Cidr::parse("0.0.0.0/0").expect("any").is_any());
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("10.0.0.1").is_none());
        assert_eq!(Cidr::parse_host("10.0.0.1").expect("host").prefix, 32);
        let v6 = Cidr::parse("fd00::/8").expect("v6");
        assert!(!v6.overlaps(&a));
        // A host part is masked away, as routers do.
        assert_eq!(
            Cidr::parse("10.1.2.3/16").expect("cidr").start,
            Cidr::parse("10.1.0.0/16").expect("cidr").start
        );
    }

    proptest! {
        #[test]
        fn table_matches_linear_scan(nets in proptest::collection::vec((any::<u32>(), 8u8..=32), 1..40), q in (any::<u32>(), 0u8..=32)) {
            let cidrs: Vec<Cidr> = nets.iter().map(|(a, l)| Cidr::parse(&format!("{}/{}", std::net::Ipv4Addr::from(*a), l)).expect("cidr")).collect();
            let query = Cidr::parse(&format!("{}/{}", std::net::Ipv4Addr::from(q.0), q.1)).expect("cidr");
            let table = CidrTable::new(cidrs.iter().copied().enumerate().map(|(i, c)| (c, i)).collect());
            let mut got: Vec<usize> = table.overlapping(&query).map(|(_, i)| *i).collect();
            got.sort_unstable();
            let want: Vec<usize> = cidrs.iter().enumerate().filter(|(_, c)| c.overlaps(&query)).map(|(i, _)| i).collect();
            prop_assert_eq!(got, want);
        }
    }
}
