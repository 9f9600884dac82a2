//! Reading overlapped with scanning: [`DatasetScanner::scan_reader`].
//!
//! [`DatasetScanner::feed`] scans a block on all cores and returns when the
//! block is done, so the caller's next read waits for the slowest chunk, and
//! the workers wait for the read. Here the calling thread only reads, cuts
//! blocks at record boundaries into chunks of about [`CHUNK`] bytes and queues
//! them; worker threads take chunks as they free up. Chunk results are merged
//! in input order, so the report is the one `feed` gives.

use super::{count_lines, safe_cut, safe_cut_from, scan_chunk, ChunkResult, DatasetFormat};
use super::{DatasetScanner, SAMPLE};
use crate::report::DatasetReport;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::{mpsc, Arc, Mutex};

/// Bytes read per block (small in unit tests, so that they cross many blocks).
const BLOCK: usize = if cfg!(test) { 96 << 10 } else { 8 << 20 };
/// Bytes of whole records per unit of work: small enough that the workers
/// finish together, large enough that queueing costs nothing.
const CHUNK: usize = if cfg!(test) { 8 << 10 } else { 1 << 20 };

struct Job {
    seq: usize,
    block: Arc<Vec<u8>>,
    range: Range<usize>,
}

/// Appends up to `more` bytes from `r` to `buf`; true at the end of the input.
fn fill(r: &mut impl Read, buf: &mut Vec<u8>, more: usize) -> io::Result<bool> {
    let want = buf.len() + more;
    if buf.capacity() < want {
        buf.reserve_exact(want - buf.len());
    }
    while buf.len() < want {
        let n = r
            .by_ref()
            .take((want - buf.len()) as u64)
            .read_to_end(buf)?;
        if n == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

impl DatasetScanner {
    /// Scans everything `r` yields and returns the report: the calling thread
    /// reads while the worker threads scan. Memory stays flat in the input
    /// size (a few blocks of 8 MiB in flight), except for a single `.json`
    /// document, which is read whole.
    pub fn scan_reader(mut self, mut r: impl Read) -> io::Result<DatasetReport> {
        if self.format == DatasetFormat::Json || self.threads < 2 {
            let mut buf = Vec::with_capacity(BLOCK);
            loop {
                buf.clear();
                let end = fill(&mut r, &mut buf, BLOCK)?;
                self.feed(&buf);
                if end {
                    return Ok(self.finish());
                }
            }
        }
        let format = self.format;
        // the first block holds the classification sample
        let mut block = Vec::new();
        let mut end = fill(&mut r, &mut block, BLOCK)?;
        while !end && count_lines(&block) <= SAMPLE as u64 + 1 {
            end = fill(&mut r, &mut block, BLOCK)?;
        }
        let mut cut = cut_at(format, &block, end);
        while cut == 0 && !end {
            // a record longer than a block
            end = fill(&mut r, &mut block, BLOCK)?;
            cut = cut_at(format, &block, end);
        }
        let mut pos = self.prepare(&block[..cut]);
        let classes = self.classes.take().unwrap_or_default();
        let header = self.header.take();
        let threads = self.threads;
        let mut bytes = block.len() as u64;
        let mut results: Vec<(usize, ChunkResult)> = Vec::new();

        let (jobs, queue) = mpsc::sync_channel::<Job>(threads * 4);
        let queue = Mutex::new(queue);
        std::thread::scope(|s| -> io::Result<()> {
            let (done, finished) = mpsc::channel::<(usize, ChunkResult)>();
            let (give_back, spare) = mpsc::channel::<Vec<u8>>();
            for _ in 0..threads {
                let (queue, done, give_back) = (&queue, done.clone(), give_back.clone());
                let (classes, header) = (&classes, header.as_deref());
                s.spawn(move || loop {
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    let chunk = &job.block[job.range.clone()];
                    // lines from 0: the merge adds the lines before the chunk
                    let res =
                        scan_chunk(format, chunk, 0, header, Some(classes), false, &mut |_| {});
                    // the last holder of a block hands the buffer back: a
                    // fresh 8 MiB buffer per block would cost page faults
                    if let Ok(buf) = Arc::try_unwrap(job.block) {
                        let _ = give_back.send(buf);
                    }
                    if done.send((job.seq, res)).is_err() {
                        return;
                    }
                });
            }
            drop(done);
            let mut seq = 0;
            loop {
                // Chunks of whole records from `pos`; what follows the last
                // whole chunk is carried into the next block (at the end of
                // the input, everything goes). Each byte's quotes are counted
                // once, here; its lines are counted by the worker.
                let shared = Arc::new(block);
                let len = shared.len();
                let mut a = pos;
                while a < len {
                    let target = a + CHUNK;
                    let b = if target < len {
                        safe_cut_from(format, &shared, a, target)
                    } else {
                        len
                    };
                    if b >= len && !end {
                        break; // not known to end a record: carried over
                    }
                    let job = Job {
                        seq,
                        block: Arc::clone(&shared),
                        range: a..b,
                    };
                    if jobs.send(job).is_err() {
                        return Err(io::Error::other("a dataset worker thread stopped"));
                    }
                    seq += 1;
                    a = b;
                }
                if end {
                    break;
                }
                let mut next = spare.try_recv().unwrap_or_default();
                next.clear();
                next.extend_from_slice(&shared[a..]);
                if let Ok(buf) = Arc::try_unwrap(shared) {
                    let _ = give_back.send(buf);
                }
                let carried = next.len();
                // a recycled buffer holds BLOCK bytes: growing it would cost
                // a fresh allocation (the page faults recycling avoids)
                end = fill(
                    &mut r,
                    &mut next,
                    BLOCK.saturating_sub(carried).max(BLOCK / 4),
                )?;
                bytes += (next.len() - carried) as u64;
                block = next;
                pos = 0;
            }
            drop(jobs);
            results.extend(finished.iter());
            Ok(())
        })?;
        if results.len() != results.iter().map(|(k, _)| k + 1).max().unwrap_or(0) {
            return Err(io::Error::other("a dataset worker thread stopped"));
        }
        results.sort_unstable_by_key(|(k, _)| *k);
        let mut lines = self.lines_done;
        for (_, r) in &mut results {
            for (_, acc) in &mut r.cols {
                acc.shift_rows(lines);
            }
            lines += r.lines;
        }
        self.lines_done = lines;
        self.bytes += bytes;
        self.classes = Some(classes);
        self.header = header;
        self.merge(results.into_iter().map(|(_, r)| r));
        Ok(self.finish())
    }
}

/// Where the whole records of `b` end: everything at the end of the input.
fn cut_at(format: DatasetFormat, b: &[u8], end: bool) -> usize {
    if end {
        b.len()
    } else {
        safe_cut(format, b, b.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out a few bytes at a time, as a pipe does.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn report_json(r: &DatasetReport) -> String {
        format!("{r:?}")
    }

    #[test]
    fn overlapped_scan_equals_the_streaming_one() {
        let mut csv = String::from("id,email,note,ssn\n");
        for i in 0..4_000 {
            csv.push_str(&format!(
                "{i},user{i}@example.org,\"said \"\"hi\"\",\nthen left\",{:03}-{:02}-{:04}\n",
                100 + i % 600,
                10 + i % 80,
                1000 + i
            ));
        }
        let bytes = csv.as_bytes();
        let mut whole = DatasetScanner::new("p.csv", DatasetFormat::Csv).with_threads(1);
        whole.feed(bytes);
        let want = report_json(&whole.finish());
        for threads in [2, 3] {
            let got = DatasetScanner::new("p.csv", DatasetFormat::Csv)
                .with_threads(threads)
                .scan_reader(Trickle(bytes, 10_007))
                .expect("in memory");
            assert_eq!(report_json(&got), want, "{threads} threads");
        }
        let mut jsonl = String::new();
        for i in 0..3_000 {
            jsonl.push_str(&format!(
                "{{\"id\":{i},\"contact\":{{\"email\":\"p{i}@example.org\"}},\"ip\":\"10.0.{}.{}\"}}\n",
                i % 250,
                i % 200
            ));
        }
        let mut whole = DatasetScanner::new("p.jsonl", DatasetFormat::Jsonl).with_threads(1);
        whole.feed(jsonl.as_bytes());
        let want = report_json(&whole.finish());
        let got = DatasetScanner::new("p.jsonl", DatasetFormat::Jsonl)
            .with_threads(2)
            .scan_reader(jsonl.as_bytes())
            .expect("in memory");
        assert_eq!(report_json(&got), want);
    }

    #[test]
    fn a_record_longer_than_a_block_is_kept_whole() {
        let mut csv = String::from("id,comment\n");
        csv.push_str(&format!("1,\"{}\"\n", "a\n".repeat(BLOCK)));
        for i in 2..1_000 {
            csv.push_str(&format!("{i},reach me at p{i}@example.org\n"));
        }
        let mut whole = DatasetScanner::new("c.csv", DatasetFormat::Csv).with_threads(1);
        whole.feed(csv.as_bytes());
        let want = whole.finish();
        let got = DatasetScanner::new("c.csv", DatasetFormat::Csv)
            .with_threads(2)
            .scan_reader(csv.as_bytes())
            .expect("in memory");
        assert_eq!(got.records, want.records);
        assert_eq!(report_json(&got), report_json(&want));
    }
}
