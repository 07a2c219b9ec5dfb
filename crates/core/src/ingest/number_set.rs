//! A set of 64-bit numbers for the duplicate-id check, in pages of 2¹⁶ numbers: a page holds a
//! sorted list of its numbers while it has few (2 bytes each), and a 8 KiB bitmap once it has
//! 4 096 or more (under 2 bits per number when full). Ids mostly come in runs of consecutive
//! numbers, so the page of the previous insert is kept at hand and most inserts are one bit test
//! and set. 10 M consecutive ids take 153 full pages, 1.2 MiB.

use rustc_hash::FxHashMap;

const PAGE_BITS: u32 = 16;
const WORDS: usize = 1 << (PAGE_BITS - 6);
/// A page turns into a bitmap at this many numbers (where the list would be as large).
const DENSE_AT: usize = 4096;

enum Page {
    Sparse(Vec<u16>),
    Dense(Box<[u64; WORDS]>),
}

impl Page {
    /// Adds `offset`; `false` when it was there.
    fn insert(&mut self, offset: u16) -> bool {
        match self {
            Page::Dense(words) => {
                let (w, bit) = (usize::from(offset >> 6), 1u64 << (offset & 63));
                let new = words[w] & bit == 0;
                words[w] |= bit;
                new
            }
            Page::Sparse(list) => {
                // Appending past the largest is the common case.
                if list.last().is_none_or(|&last| offset > last) {
                    list.push(offset);
                } else {
                    match list.binary_search(&offset) {
                        Ok(_) => return false,
                        Err(at) => list.insert(at, offset),
                    }
                }
                if list.len() >= DENSE_AT {
                    let mut words = Box::new([0u64; WORDS]);
                    for &o in list.iter() {
                        words[usize::from(o >> 6)] |= 1 << (o & 63);
                    }
                    *self = Page::Dense(words);
                }
                true
            }
        }
    }
}

/// A set of `u64` (see the module documentation).
#[derive(Default)]
pub(crate) struct NumberSet {
    index: FxHashMap<u64, usize>,
    pages: Vec<Page>,
    last: Option<(u64, usize)>,
    len: u64,
}

impl NumberSet {
    /// Adds `value`; `false` when it was already there.
    pub(crate) fn insert(&mut self, value: u64) -> bool {
        let key = value >> PAGE_BITS;
        let page = match self.last {
            Some((k, p)) if k == key => p,
            _ => {
                let next = self.pages.len();
                let p = *self.index.entry(key).or_insert(next);
                if p == next {
                    self.pages.push(Page::Sparse(Vec::new()));
                }
                self.last = Some((key, p));
                p
            }
        };
        let new = self.pages[page].insert(value as u16);
        self.len += u64::from(new);
        new
    }

    /// How many numbers it holds.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_a_hash_set_on_runs_repeats_and_scattered_numbers() {
        // A 64-bit LCG (Knuth's MMIX constants) is random enough to scatter numbers.
        let mut state = 11u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 11
        };
        let mut set = NumberSet::default();
        let mut truth = std::collections::HashSet::new();
        let mut values: Vec<u64> = (0..20_000u64).collect(); // a dense run: pages turn dense
        values.extend((0..5_000).map(|_| next() % 1_000_000_000_000)); // scattered
        values.extend((0..5_000).map(|_| next() % 30_000)); // repeats
        values.extend([u64::MAX, u64::MAX - 1, 0, 65_535, 65_536]);
        for v in values {
            assert_eq!(set.insert(v), truth.insert(v), "{v}");
        }
        assert_eq!(set.len(), truth.len() as u64);
    }
}
