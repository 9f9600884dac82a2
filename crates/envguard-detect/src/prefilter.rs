//! The keyword prefilter: one ASCII case-insensitive Aho-Corasick automaton
//! over every rule's keywords.
//!
//! The automaton is built by the `aho-corasick` crate (a full DFA with
//! standard, overlapping match semantics) and then copied into a compact
//! table: byte classes plus `u16` premultiplied state ids, match states
//! numbered last so that "is this a match?" is one comparison. The scan runs
//! four independent streams over four quarters of the input in lock-step:
//! a DFA walk is one dependent load per byte, so interleaving four walks lets
//! the CPU overlap their latencies (about 2-3x the single-stream speed).

use std::collections::HashMap;

use aho_corasick::automaton::Automaton;
use aho_corasick::{dfa::DFA, Anchored, MatchKind, StartKind};

/// A keyword occurrence: `text[start..end]` equals keyword `kw` (ASCII case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Hit {
    pub start: usize,
    pub end: usize,
    pub kw: u16,
}

pub(crate) struct Prefilter {
    /// `trans[state + class[byte]]` = next state; states are premultiplied by `stride`.
    trans: Vec<u16>,
    class: [u8; 256],
    stride: usize,
    start: u16,
    /// States `>= match_min` are match states.
    match_min: u16,
    /// For match state `s`: `outputs[out_ranges[(s - match_min) / stride]]`.
    out_ranges: Vec<(u32, u32)>,
    outputs: Vec<u16>,
    kw_len: Vec<usize>,
    max_len: usize,
}

impl Prefilter {
    pub(crate) fn new(keywords: &[String]) -> Result<Prefilter, String> {
        if keywords.is_empty() {
            return Err("no keywords".into());
        }
        let dfa = DFA::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .build(keywords)
            .map_err(|e| format!("keyword automaton: {e}"))?;
        let start = dfa
            .start_state(Anchored::No)
            .map_err(|e| format!("keyword automaton start: {e}"))?;

        // Every reachable state, breadth first.
        let mut order = vec![start];
        let mut seen = HashMap::new();
        seen.insert(start, ());
        let mut i = 0;
        while i < order.len() {
            let s = order[i];
            i += 1;
            for b in 0..=255u8 {
                let n = dfa.next_state(Anchored::No, s, b);
                if seen.insert(n, ()).is_none() {
                    order.push(n);
                }
            }
        }
        // Non-match states first, then match states.
        let mut states: Vec<_> = order
            .iter()
            .copied()
            .filter(|&s| !dfa.is_match(s))
            .collect();
        let first_match = states.len();
        states.extend(order.iter().copied().filter(|&s| dfa.is_match(s)));
        let index: HashMap<_, usize> = states.iter().enumerate().map(|(i, &s)| (s, i)).collect();

        // Byte equivalence classes: bytes whose transition column is identical.
        let mut columns: Vec<Vec<usize>> = Vec::new();
        let mut col_ids: HashMap<Vec<usize>, usize> = HashMap::new();
        let mut class = [0u8; 256];
        for b in 0..=255u8 {
            let col: Vec<usize> = states
                .iter()
                .map(|&s| index[&dfa.next_state(Anchored::No, s, b)])
                .collect();
            let next_id = columns.len();
            let id = *col_ids.entry(col.clone()).or_insert_with(|| {
                columns.push(col);
                next_id
            });
            class[b as usize] = u8::try_from(id).map_err(|_| "too many byte classes")?;
        }
        let stride = columns.len();
        if states.len() * stride > usize::from(u16::MAX) {
            return Err(format!(
                "keyword automaton too large: {} states x {} classes",
                states.len(),
                stride
            ));
        }
        let mut trans = vec![0u16; states.len() * stride];
        for si in 0..states.len() {
            for (c, col) in columns.iter().enumerate() {
                // Fits: checked above.
                trans[si * stride + c] = (col[si] * stride) as u16;
            }
        }
        let mut out_ranges = Vec::new();
        let mut outputs = Vec::new();
        for &s in &states[first_match..] {
            let from = outputs.len() as u32;
            for k in 0..dfa.match_len(s) {
                outputs.push(dfa.match_pattern(s, k).as_usize() as u16);
            }
            out_ranges.push((from, outputs.len() as u32));
        }
        let kw_len: Vec<usize> = keywords.iter().map(String::len).collect();
        let max_len = kw_len.iter().copied().max().unwrap_or(1);
        Ok(Prefilter {
            trans,
            class,
            stride,
            start: (index[&start] * stride) as u16,
            match_min: (first_match * stride) as u16,
            out_ranges,
            outputs,
            kw_len,
            max_len,
        })
    }

    #[inline]
    fn step(&self, s: u16, b: u8) -> u16 {
        self.trans[s as usize + self.class[b as usize] as usize]
    }

    /// Records the keywords ending at `pos` (inclusive) in match state `s`,
    /// keeping only those that start before `limit`.
    #[cold]
    fn emit(&self, s: u16, pos: usize, limit: usize, hits: &mut Vec<Hit>) {
        let m = (usize::from(s - self.match_min)) / self.stride;
        let (from, to) = self.out_ranges[m];
        for &kw in &self.outputs[from as usize..to as usize] {
            let end = pos + 1;
            let start = end - self.kw_len[kw as usize];
            if start < limit {
                hits.push(Hit { start, end, kw });
            }
        }
    }

    /// Walks `h[from..to]` from state `s`, reporting hits that start before `limit`.
    fn walk(&self, h: &[u8], from: usize, to: usize, limit: usize, hits: &mut Vec<Hit>) {
        let mut s = self.start;
        for (i, &b) in h[from..to].iter().enumerate() {
            s = self.step(s, b);
            if s >= self.match_min {
                self.emit(s, from + i, limit, hits);
            }
        }
    }

    /// Appends every keyword occurrence in `h` to `hits`, sorted by start.
    /// `streams` is scratch space (one buffer per interleaved stream).
    pub(crate) fn find_all(&self, h: &[u8], hits: &mut Vec<Hit>, streams: &mut [Vec<Hit>; 4]) {
        const SMALL: usize = 4096;
        let n = h.len();
        let first = hits.len();
        if n < SMALL {
            self.walk(h, 0, n, n, hits);
        } else {
            for s in streams.iter_mut() {
                s.clear();
            }
            self.walk4(h, streams);
            for s in streams.iter_mut() {
                hits.append(s);
            }
        }
        // Each stream reports hits in order of their end; overlapping keywords
        // (`pass` inside `password`) leave a few out of order by start.
        insertion_sort(&mut hits[first..]);
    }

    fn walk4(&self, h: &[u8], out: &mut [Vec<Hit>; 4]) {
        let n = h.len();
        let q = n / 4;
        let (a, rest) = h.split_at(q);
        let (b, rest) = rest.split_at(q);
        let (c, d) = rest.split_at(q);
        let mm = self.match_min;
        let (mut s0, mut s1, mut s2, mut s3) = (self.start, self.start, self.start, self.start);
        for (i, (((&x0, &x1), &x2), &x3)) in a.iter().zip(b).zip(c).zip(d).enumerate() {
            s0 = self.step(s0, x0);
            s1 = self.step(s1, x1);
            s2 = self.step(s2, x2);
            s3 = self.step(s3, x3);
            if (s0 >= mm) | (s1 >= mm) | (s2 >= mm) | (s3 >= mm) {
                if s0 >= mm {
                    self.emit(s0, i, usize::MAX, &mut out[0]);
                }
                if s1 >= mm {
                    self.emit(s1, q + i, usize::MAX, &mut out[1]);
                }
                if s2 >= mm {
                    self.emit(s2, 2 * q + i, usize::MAX, &mut out[2]);
                }
                if s3 >= mm {
                    self.emit(s3, 3 * q + i, usize::MAX, &mut out[3]);
                }
            }
        }
        // Each of the first three streams continues past its quarter for the
        // keywords that start inside it; the last one runs to the end.
        let states = [s0, s1, s2, s3];
        for (k, (&st, buf)) in states.iter().zip(out.iter_mut()).enumerate() {
            let seg_end = (k + 1) * q;
            let (stop, limit) = if k == 3 {
                (n, n)
            } else {
                ((seg_end + self.max_len - 1).min(n), seg_end)
            };
            let mut s = st;
            for (i, &byte) in h[seg_end..stop].iter().enumerate() {
                s = self.step(s, byte);
                if s >= mm {
                    self.emit(s, seg_end + i, limit, buf);
                }
            }
        }
    }
}

/// Sorts a nearly sorted slice in O(n + inversions).
fn insertion_sort(v: &mut [Hit]) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(kws: &[String], h: &[u8]) -> Vec<Hit> {
        let lower = h.to_ascii_lowercase();
        let mut v = Vec::new();
        for (k, kw) in kws.iter().enumerate() {
            let kb = kw.to_ascii_lowercase().into_bytes();
            for start in 0..lower.len() {
                if lower[start..].starts_with(&kb) {
                    v.push(Hit {
                        start,
                        end: start + kb.len(),
                        kw: k as u16,
                    });
                }
            }
        }
        v.sort_unstable();
        v
    }

    #[test]
    fn matches_naive_search_across_stream_boundaries() {
        let kws: Vec<String> = ["pass", "password", "token", "ghp_", "xox", "://", "key"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let pf = Prefilter::new(&kws).expect("build");
        let mut text = Vec::new();
        let mut x: u64 = 7;
        while text.len() < 50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let piece: &[u8] = match x % 9 {
                0 => b"PassWord",
                1 => b"tokenKEY",
                2 => b"ghp_",
                3 => b"http://",
                4 => b"xoxo",
                _ => b"abc def\n",
            };
            text.extend_from_slice(piece);
        }
        for len in [0, 1, 100, 4095, 4096, 4097, 10_001, text.len()] {
            let h = &text[..len];
            let mut hits = Vec::new();
            pf.find_all(h, &mut hits, &mut Default::default());
            assert_eq!(hits, naive(&kws, h), "len {len}");
        }
    }
}
