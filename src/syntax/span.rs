//! Source positions. Every token the parser produces carries a [`Span`] of byte offsets into the
//! original Dockerfile bytes; a [`LineIndex`] turns offsets into the 1-based line and column that
//! diagnostics and BuildKit source maps show.

use serde::Serialize;

/// A half-open byte range `start..end` in the original source (BOM included, so offsets index
/// the bytes exactly as the user's file holds them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// An empty span at `offset`, for "expected something here" errors.
    pub fn empty(offset: usize) -> Self {
        Span {
            start: offset,
            end: offset,
        }
    }

    /// The smallest span covering both.
    pub(crate) fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A 1-based line and column. Columns count characters (UTF-8 scalar values), as editors do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// An inclusive range of 1-based lines, the granularity of BuildKit's source map ranges.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct LineRange {
    pub start: usize,
    pub end: usize,
}

/// Offsets of line starts, to convert byte offsets to positions in O(log n).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(source: &[u8]) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            source
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            line_starts,
            len: source.len(),
        }
    }

    /// Number of lines; a trailing newline does not start a new line of its own.
    #[cfg(test)]
    pub(crate) fn line_count(&self) -> usize {
        match self.line_starts.last() {
            Some(&last) if last == self.len && self.line_starts.len() > 1 => {
                self.line_starts.len() - 1
            }
            _ => self.line_starts.len(),
        }
    }

    /// The 1-based line holding `offset` (offsets past the end map to the last line).
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// The byte span of 1-based `line`, without its line ending.
    pub(crate) fn line_span(&self, source: &[u8], line: usize) -> Span {
        let idx = line.saturating_sub(1).min(self.line_starts.len() - 1);
        let start = self.line_starts[idx];
        let mut end = self
            .line_starts
            .get(idx + 1)
            .map(|next| next - 1)
            .unwrap_or(self.len);
        while end > start && matches!(source.get(end - 1), Some(b'\r')) {
            end -= 1;
        }
        Span::new(start, end)
    }

    /// Line and column of `offset`. `source` must be the bytes this index was built from.
    pub(crate) fn position(&self, source: &[u8], offset: usize) -> Position {
        let offset = offset.min(self.len).min(source.len());
        let line = self.line_of(offset);
        let mut start = self.line_starts[line - 1];
        // Editors do not count a BOM as a column.
        if start == 0 && offset >= 3 && source.starts_with(b"\xef\xbb\xbf") {
            start = 3;
        }
        // Count UTF-8 leading bytes so that columns are in characters; invalid bytes count as one.
        let column = source[start..offset]
            .iter()
            .filter(|b| (**b & 0xC0) != 0x80)
            .count()
            + 1;
        Position { line, column }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let src = "FROM a\nRUN é x\n".as_bytes();
        let idx = LineIndex::new(src);
        assert_eq!(idx.position(src, 0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(src, 7), Position { line: 2, column: 1 });
        // 'x' comes after a two-byte character.
        let x = src.iter().position(|b| *b == b'x').unwrap();
        assert_eq!(idx.position(src, x), Position { line: 2, column: 7 });
        assert_eq!(idx.line_count(), 2);
        assert_eq!(idx.line_span(src, 2), Span::new(7, 15));
    }

    #[test]
    fn line_span_drops_carriage_return() {
        let src = b"A\r\nB";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line_span(src, 1), Span::new(0, 1));
        assert_eq!(idx.line_span(src, 2), Span::new(3, 4));
        assert_eq!(idx.line_count(), 2);
    }
}
