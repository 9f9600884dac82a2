//! RFC 6962 (RFC 9162 §2.1) Merkle tree hashing, proof generation from stored
//! subtree hashes, and proof verification.
//!
//! Proofs are produced from a [`NodeSource`]: anything that can return the hash
//! of a *perfect* subtree (level `l`, index `i` covers leaves
//! `[i·2^l, (i+1)·2^l)`). The SQLite store keeps every perfect subtree hash, so
//! a proof costs `O(log n)` point lookups and never recomputes the tree.
//!
//! Written here rather than taken from `ct-merkle`, because `ct-merkle` keeps
//! the whole tree in memory and hashes leaf values itself, while the ledger
//! needs proofs over hashes stored in a database; checked against the
//! transparency-dev/merkle RFC 6962 vectors in the tests below.

use sha2::{Digest, Sha256};
use std::fmt;

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 15)]));
        }
        s
    }

    pub fn from_hex(s: &str) -> Option<Hash> {
        let b = s.as_bytes();
        if b.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            let hi = unhex(b[2 * i])?;
            let lo = unhex(b[2 * i + 1])?;
            *o = (hi << 4) | lo;
        }
        Some(Hash(out))
    }

    pub fn from_slice(b: &[u8]) -> Option<Hash> {
        <[u8; 32]>::try_from(b).ok().map(Hash)
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    Hash(h.finalize().into())
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(&left.0);
    buf[33..].copy_from_slice(&right.0);
    Hash(Sha256::digest(buf).into())
}

/// Largest power of two strictly smaller than `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Where perfect subtree hashes come from.
pub trait NodeSource {
    type Error;
    /// The hash of the perfect subtree at `level` and `index`; level 0 is a leaf hash.
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// `MTH(D[lo:hi])` from stored perfect subtrees.
pub fn subtree_root<S: NodeSource>(src: &S, lo: u64, hi: u64) -> Result<Hash, S::Error> {
    let n = hi - lo;
    if n == 0 {
        return Ok(empty_root());
    }
    if n.is_power_of_two() && lo % n == 0 {
        return src.node(n.trailing_zeros(), lo >> n.trailing_zeros());
    }
    let k = split(n);
    let l = subtree_root(src, lo, lo + k)?;
    let r = subtree_root(src, lo + k, hi)?;
    Ok(node_hash(&l, &r))
}

/// Errors about proof shape (not about the source).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("index {index} is outside a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("consistency proof asked from size {old} to smaller size {new}")]
    BadSizes { old: u64, new: u64 },
    #[error("proof has {got} hashes, expected {want}")]
    WrongLength { got: usize, want: usize },
    #[error("computed root {computed} does not match expected root {expected}")]
    RootMismatch { computed: Hash, expected: Hash },
}

/// RFC 6962 §2.1.1 `PATH(m, D[0:size])`, leaf to root order.
pub fn inclusion_proof<S: NodeSource>(
    src: &S,
    index: u64,
    size: u64,
) -> Result<Result<Vec<Hash>, ProofError>, S::Error> {
    if index >= size {
        return Ok(Err(ProofError::IndexOutOfRange { index, size }));
    }
    let mut out = Vec::with_capacity(64);
    let (mut lo, mut hi, m) = (0u64, size, index);
    // Walk down from the root, collecting siblings, then reverse.
    while hi - lo > 1 {
        let k = split(hi - lo);
        if m < lo + k {
            out.push(subtree_root(src, lo + k, hi)?);
            hi = lo + k;
        } else {
            out.push(subtree_root(src, lo, lo + k)?);
            lo += k;
        }
    }
    out.reverse();
    Ok(Ok(out))
}

/// RFC 6962 §2.1.2 `PROOF(old, D[0:new])`.
pub fn consistency_proof<S: NodeSource>(
    src: &S,
    old: u64,
    new: u64,
) -> Result<Result<Vec<Hash>, ProofError>, S::Error> {
    if old > new {
        return Ok(Err(ProofError::BadSizes { old, new }));
    }
    if old == 0 || old == new {
        return Ok(Ok(Vec::new()));
    }
    let mut out = Vec::new();
    subproof(src, old, 0, new, true, &mut out)?;
    Ok(Ok(out))
}

fn subproof<S: NodeSource>(
    src: &S,
    m: u64,
    lo: u64,
    hi: u64,
    complete: bool,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    let n = hi - lo;
    if m == n {
        if !complete {
            out.push(subtree_root(src, lo, hi)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(src, m, lo, lo + k, complete, out)?;
        out.push(subtree_root(src, lo + k, hi)?);
    } else {
        subproof(src, m - k, lo + k, hi, false, out)?;
        out.push(subtree_root(src, lo, lo + k)?);
    }
    Ok(())
}

/// Root implied by an inclusion proof (RFC 9162 §2.1.3.2).
pub fn root_from_inclusion_proof(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (inner, border) = decomp_inclusion(index, size);
    let want = inner + border;
    if proof.len() != want {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    let mut h = *leaf;
    for (i, p) in proof[..inner].iter().enumerate() {
        if (index >> i) & 1 == 0 {
            h = node_hash(&h, p);
        } else {
            h = node_hash(p, &h);
        }
    }
    for p in &proof[inner..] {
        h = node_hash(p, &h);
    }
    Ok(h)
}

/// Verifies an inclusion proof against a known root.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(index, size, leaf, proof)?;
    if computed != *root {
        return Err(ProofError::RootMismatch {
            computed,
            expected: *root,
        });
    }
    Ok(())
}

fn decomp_inclusion(index: u64, size: u64) -> (usize, usize) {
    let inner = (64 - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    (inner, border)
}

/// Verifies a consistency proof (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::BadSizes { old, new });
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        if old_root != new_root {
            return Err(ProofError::RootMismatch {
                computed: *new_root,
                expected: *old_root,
            });
        }
        return Ok(());
    }
    if old == 0 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength {
                got: proof.len(),
                want: 0,
            });
        }
        return Ok(());
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength { got: 0, want: 1 });
    }
    // The proof is a suffix of the inclusion proof of leaf `old - 1` in the
    // new tree, starting at level `shift` (RFC 9162 §2.1.4.2).
    let (inner, border) = decomp_inclusion(old - 1, new);
    let shift = old.trailing_zeros() as usize;
    let inner = inner - shift;
    let (seed, start) = if old.is_power_of_two() {
        (*old_root, 0)
    } else {
        (proof[0], 1)
    };
    let want = start + inner + border;
    if proof.len() != want {
        return Err(ProofError::WrongLength {
            got: proof.len(),
            want,
        });
    }
    let rest = &proof[start..];
    let (inner_p, border_p) = rest.split_at(inner);
    let mask = (old - 1) >> shift;
    let mut h1 = seed;
    for (i, p) in inner_p.iter().enumerate() {
        if (mask >> i) & 1 == 1 {
            h1 = node_hash(p, &h1);
        }
    }
    let mut h2 = seed;
    for (i, p) in inner_p.iter().enumerate() {
        if (mask >> i) & 1 == 0 {
            h2 = node_hash(&h2, p);
        } else {
            h2 = node_hash(p, &h2);
        }
    }
    for p in border_p {
        h1 = node_hash(p, &h1);
        h2 = node_hash(p, &h2);
    }
    if h1 != *old_root {
        return Err(ProofError::RootMismatch {
            computed: h1,
            expected: *old_root,
        });
    }
    if h2 != *new_root {
        return Err(ProofError::RootMismatch {
            computed: h2,
            expected: *new_root,
        });
    }
    Ok(())
}

/// The perfect subtrees that make up a tree of `size` leaves (its right
/// border), highest level first: one per set bit of `size`.
pub fn frontier_positions(size: u64) -> Vec<(u32, u64)> {
    (0..64u32)
        .rev()
        .filter(|l| (size >> l) & 1 == 1)
        .map(|l| (l, (size >> l) - 1))
        .collect()
}

/// Extends a tree from its right border, emitting every perfect subtree an
/// appended leaf completes, so a store can keep all of them.
#[derive(Debug, Clone)]
pub struct Appender {
    size: u64,
    frontier: Vec<Option<Hash>>,
}

impl Appender {
    /// `border` holds the hashes at [`frontier_positions`]`(size)`, in that order.
    pub fn new(size: u64, border: &[Hash]) -> Appender {
        let mut frontier = vec![None; 64];
        for ((level, _), h) in frontier_positions(size).into_iter().zip(border) {
            frontier[level as usize] = Some(*h);
        }
        Appender { size, frontier }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf; pushes `(level, index, hash)` of each completed internal node.
    pub fn push(&mut self, leaf: Hash, completed: &mut Vec<(u32, u64, Hash)>) {
        let mut h = leaf;
        let mut level = 0usize;
        let mut index = self.size;
        while index & 1 == 1 {
            let left = self.frontier[level].take().unwrap_or_default();
            h = node_hash(&left, &h);
            level += 1;
            index >>= 1;
            completed.push((level as u32, index, h));
        }
        self.frontier[level] = Some(h);
        self.size += 1;
    }

    pub fn root(&self) -> Hash {
        let mut acc: Option<Hash> = None;
        for h in self.frontier.iter().flatten() {
            acc = Some(match acc {
                None => *h,
                Some(right) => node_hash(h, &right),
            });
        }
        acc.unwrap_or_else(empty_root)
    }
}

/// All perfect subtree hashes of a tree held in memory: `levels[l][i]`.
#[derive(Debug, Clone, Default)]
pub struct MemTree {
    levels: Vec<Vec<Hash>>,
}

impl MemTree {
    pub fn new() -> MemTree {
        MemTree {
            levels: vec![Vec::new()],
        }
    }

    pub fn from_leaves(leaves: Vec<Hash>) -> MemTree {
        let mut levels = vec![leaves];
        loop {
            let last = &levels[levels.len() - 1];
            if last.len() < 2 {
                break;
            }
            let next: Vec<Hash> = last
                .chunks_exact(2)
                .map(|c| node_hash(&c[0], &c[1]))
                .collect();
            levels.push(next);
        }
        MemTree { levels }
    }

    /// Appends one leaf, completing the perfect subtrees it closes.
    pub fn push(&mut self, leaf: Hash) {
        self.levels[0].push(leaf);
        let mut l = 0;
        while self.levels[l].len() % 2 == 0 {
            let n = self.levels[l].len();
            let h = node_hash(&self.levels[l][n - 2], &self.levels[l][n - 1]);
            if self.levels.len() == l + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[l + 1].push(h);
            l += 1;
        }
    }

    pub fn size(&self) -> u64 {
        self.levels[0].len() as u64
    }

    pub fn leaves(&self) -> &[Hash] {
        &self.levels[0]
    }

    /// Perfect subtree hashes at `level` (`level >= 1` are internal nodes).
    pub fn level(&self, level: usize) -> &[Hash] {
        self.levels.get(level).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn root(&self) -> Hash {
        self.root_at(self.size())
    }

    /// Root of the tree made of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Hash {
        match subtree_root(self, 0, size) {
            Ok(h) => h,
            Err(never) => match never {},
        }
    }
}

impl NodeSource for MemTree {
    type Error = std::convert::Infallible;
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        // Callers only ask for subtrees inside the tree.
        Ok(self
            .levels
            .get(level as usize)
            .and_then(|l| l.get(index as usize))
            .copied()
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn h(s: &str) -> Hash {
        Hash::from_hex(s).unwrap()
    }
    fn hexb(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // transparency-dev/merkle testonly/constants.go and proof/verify_test.go.
    const LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    const ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn vector_tree() -> MemTree {
        MemTree::from_leaves(LEAVES.iter().map(|l| leaf_hash(&hexb(l))).collect())
    }

    #[test]
    fn rfc6962_roots() {
        let t = vector_tree();
        for (size, want) in ROOTS.iter().enumerate() {
            assert_eq!(t.root_at(size as u64), h(want), "size {size}");
        }
        let mut inc = MemTree::new();
        for (i, l) in LEAVES.iter().enumerate() {
            inc.push(leaf_hash(&hexb(l)));
            assert_eq!(inc.root(), h(ROOTS[i + 1]));
        }
        assert_eq!(
            t.level(1)[3],
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0")
        );
    }

    #[test]
    fn appender_matches_tree() {
        let t = vector_tree();
        for start in 0..=8u64 {
            let border: Vec<Hash> = frontier_positions(start)
                .into_iter()
                .map(|(l, i)| t.node(l, i).unwrap())
                .collect();
            let mut a = Appender::new(start, &border);
            assert_eq!(a.root(), h(ROOTS[start as usize]));
            let mut done = Vec::new();
            for i in start..8 {
                a.push(t.leaves()[i as usize], &mut done);
                assert_eq!(a.root(), h(ROOTS[i as usize + 1]));
            }
            for (l, i, hh) in done {
                assert_eq!(t.node(l, i).unwrap(), hh);
            }
        }
    }

    #[test]
    fn rfc6962_inclusion_vectors() {
        // (leaf index 1-based as in the Go vectors, size, proof)
        let cases: [(u64, u64, &[&str]); 4] = [
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                3,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
            (
                2,
                5,
                &[
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        let t = vector_tree();
        for (leaf, size, proof) in cases {
            let want: Vec<Hash> = proof.iter().map(|p| h(p)).collect();
            let got = inclusion_proof(&t, leaf - 1, size).unwrap().unwrap();
            assert_eq!(got, want, "leaf {leaf} size {size}");
            let lh = t.leaves()[(leaf - 1) as usize];
            let root = h(ROOTS[size as usize]);
            verify_inclusion(leaf - 1, size, &lh, &want, &root).unwrap();
            // Corruptions from the Go suite.
            assert!(verify_inclusion(leaf, size, &lh, &want, &root).is_err());
            assert!(verify_inclusion(leaf - 1, size * 2, &lh, &want, &root).is_err());
            assert!(verify_inclusion(leaf - 1, size, &lh, &want, &empty_root()).is_err());
            let mut extra = want.clone();
            extra.push(root);
            assert!(verify_inclusion(leaf - 1, size, &lh, &extra, &root).is_err());
            for i in 0..want.len() {
                let mut bad = want.clone();
                bad[i].0[0] ^= 8;
                assert!(verify_inclusion(leaf - 1, size, &lh, &bad, &root).is_err());
            }
        }
    }

    #[test]
    fn rfc6962_consistency_vectors() {
        let cases: [(u64, u64, &[&str]); 5] = [
            (1, 1, &[]),
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                6,
                7,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ];
        let t = vector_tree();
        for (old, new, proof) in cases {
            let want: Vec<Hash> = proof.iter().map(|p| h(p)).collect();
            let got = consistency_proof(&t, old, new).unwrap().unwrap();
            assert_eq!(got, want, "{old} -> {new}");
            let (r1, r2) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
            verify_consistency(old, new, &r1, &r2, &want).unwrap();
            if !want.is_empty() {
                assert!(verify_consistency(old, new, &r2, &r1, &want).is_err());
                assert!(verify_consistency(old, new * 2, &r1, &r2, &want).is_err());
                assert!(verify_consistency(old, new, &r1, &r2, &[]).is_err());
                assert!(verify_consistency(old, new, &r1, &r2, &want[..want.len() - 1]).is_err());
                for i in 0..want.len() {
                    let mut bad = want.clone();
                    bad[i].0[0] ^= 16;
                    assert!(verify_consistency(old, new, &r1, &r2, &bad).is_err());
                }
            }
        }
        assert!(verify_consistency(0, 0, &empty_root(), &empty_root(), &[empty_root()]).is_err());
        assert!(verify_consistency(2, 1, &empty_root(), &empty_root(), &[]).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn inclusion_proofs_verify(size in 1u64..300, seed in any::<u64>(), idx in any::<u64>()) {
            let t = MemTree::from_leaves((0..size).map(|i| leaf_hash(&(seed ^ i).to_le_bytes())).collect());
            let index = idx % size;
            let root = t.root();
            let proof = inclusion_proof(&t, index, size).unwrap().unwrap();
            let lh = t.leaves()[index as usize];
            prop_assert!(verify_inclusion(index, size, &lh, &proof, &root).is_ok());
            let modified = leaf_hash(b"modified");
            prop_assert!(verify_inclusion(index, size, &modified, &proof, &root).is_err());
        }

        #[test]
        fn consistency_proofs_verify(new in 1u64..300, seed in any::<u64>(), o in any::<u64>(), flip in any::<u64>()) {
            let t = MemTree::from_leaves((0..new).map(|i| leaf_hash(&(seed ^ i).to_le_bytes())).collect());
            let old = 1 + o % new;
            let proof = consistency_proof(&t, old, new).unwrap().unwrap();
            let (r1, r2) = (t.root_at(old), t.root());
            prop_assert!(verify_consistency(old, new, &r1, &r2, &proof).is_ok());
            // A tree whose old part has one modified leaf is not consistent.
            let mut leaves = t.leaves().to_vec();
            let k = (flip % old) as usize;
            leaves[k] = leaf_hash(b"modified");
            let t2 = MemTree::from_leaves(leaves);
            if old < new {
                prop_assert!(verify_consistency(old, new, &t2.root_at(old), &r2, &proof).is_err());
            }
        }
    }
}
