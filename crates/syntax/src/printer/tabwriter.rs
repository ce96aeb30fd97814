//! Elastic tabstops, as Go's `text/tabwriter` computes them with the settings
//! Alloy's printer uses: minimum width 0, tab width 8, padding 1, padding with
//! spaces, `DiscardEmptyColumns | TabIndent`, escapes kept in the output.
//!
//! Input text is split into cells, each terminated by a horizontal tab (`\t`),
//! a vertical tab (`\v`, a "soft" tab) or a line break (`\n`, or `\f` which also
//! ends every column). Tab-terminated cells of consecutive lines form a column
//! and are padded to the widest cell plus the padding; leading empty cells are
//! padded with tabs instead, so indentation stays tabs. Text between two
//! [`ESCAPE`] bytes is one opaque run (its tabs and line breaks are not
//! interpreted) whose width excludes the two markers.

/// The byte that brackets escaped text; it never occurs in valid UTF-8.
pub(super) const ESCAPE: u8 = 0xff;

const TAB_WIDTH: usize = 8;
const PADDING: usize = 1;
const VTAB: u8 = 0x0b;
const FORMFEED: u8 = 0x0c;

/// Aligns `input` and returns the padded text (escape bytes still in place).
pub(super) fn align(input: &[u8]) -> Vec<u8> {
    let mut w = TabWriter::new();
    w.write(input);
    w.flush();
    w.out
}

#[derive(Clone, Copy, Default)]
struct Cell {
    /// Bytes of text in the cell (tabs and line breaks excluded).
    size: usize,
    /// Width in characters, escape markers excluded.
    width: usize,
    /// Terminated by a hard tab (such a column is never discarded).
    htab: bool,
}

struct TabWriter {
    out: Vec<u8>,
    /// The text of every cell since the last flush, without terminators.
    buf: Vec<u8>,
    /// How far into `buf` the current cell's width has been counted.
    pos: usize,
    /// The cell being filled.
    cell: Cell,
    in_escape: bool,
    /// Cells of each buffered line; the last line is the one being filled.
    lines: Vec<Vec<Cell>>,
    /// Widths of the enclosing columns while formatting.
    widths: Vec<usize>,
}

/// One level of Go's recursive `format`, kept on an explicit stack so deeply
/// indented text cannot exhaust the call stack.
struct Frame {
    line0: usize,
    this: usize,
    line1: usize,
}

impl TabWriter {
    fn new() -> TabWriter {
        TabWriter {
            out: Vec::new(),
            buf: Vec::new(),
            pos: 0,
            cell: Cell::default(),
            in_escape: false,
            lines: vec![Vec::new()],
            widths: Vec::new(),
        }
    }

    fn reset(&mut self) {
        self.buf.clear();
        self.pos = 0;
        self.cell = Cell::default();
        self.in_escape = false;
        self.lines.clear();
        self.lines.push(Vec::new());
        self.widths.clear();
    }

    fn append(&mut self, text: &[u8]) {
        self.buf.extend_from_slice(text);
        self.cell.size += text.len();
    }

    fn update_width(&mut self) {
        self.cell.width += rune_count(&self.buf[self.pos..]);
        self.pos = self.buf.len();
    }

    fn end_escape(&mut self) {
        self.update_width();
        // The two markers were counted as one character each.
        self.cell.width = self.cell.width.saturating_sub(2);
        self.pos = self.buf.len();
        self.in_escape = false;
    }

    /// Ends the current cell; returns how many cells the line now has.
    fn terminate_cell(&mut self, htab: bool) -> usize {
        self.cell.htab = htab;
        let cell = std::mem::take(&mut self.cell);
        let line = self
            .lines
            .last_mut()
            .expect("there is always a current line");
        line.push(cell);
        line.len()
    }

    fn write(&mut self, input: &[u8]) {
        let mut n = 0;
        for (i, &ch) in input.iter().enumerate() {
            if self.in_escape {
                if ch == ESCAPE {
                    self.append(&input[n..=i]);
                    n = i + 1;
                    self.end_escape();
                }
                continue;
            }
            match ch {
                b'\t' | VTAB | b'\n' | FORMFEED => {
                    self.append(&input[n..i]);
                    self.update_width();
                    n = i + 1;
                    let cells = self.terminate_cell(ch == b'\t');
                    if ch == b'\n' || ch == FORMFEED {
                        self.lines.push(Vec::new());
                        // A line of one cell cannot influence the columns of
                        // later lines, so the buffer may be written out.
                        if ch == FORMFEED || cells == 1 {
                            self.flush();
                        }
                    }
                }
                ESCAPE => {
                    self.append(&input[n..i]);
                    self.update_width();
                    n = i;
                    self.in_escape = true;
                }
                _ => {}
            }
        }
        self.append(&input[n..]);
    }

    fn flush(&mut self) {
        if self.cell.size > 0 {
            if self.in_escape {
                self.end_escape();
            }
            self.terminate_cell(false);
        }
        self.format();
        self.reset();
    }

    /// Writes every buffered line, padding each column block to its width.
    fn format(&mut self) {
        let mut pos = 0;
        let mut stack = vec![Frame {
            line0: 0,
            this: 0,
            line1: self.lines.len(),
        }];
        while let Some(frame) = stack.last_mut() {
            // Cells of column `column` exist on lines with more cells than that
            // (a line's last cell is not tab-terminated and is in no column).
            let column = self.widths.len();
            let has_column = |line: &Vec<Cell>| column + 1 < line.len();
            while frame.this < frame.line1 && !has_column(&self.lines[frame.this]) {
                frame.this += 1;
            }
            if frame.this >= frame.line1 {
                let (line0, line1) = (frame.line0, frame.line1);
                pos = self.write_lines(pos, line0, line1);
                stack.pop();
                if let Some(parent) = stack.last_mut() {
                    self.widths.pop();
                    // The line that ended the block has no cell in the parent's
                    // column either; the parent resumes after it.
                    parent.line0 = line1;
                    parent.this = line1 + 1;
                }
                continue;
            }
            let (line0, start, line1) = (frame.line0, frame.this, frame.line1);
            pos = self.write_lines(pos, line0, start);
            let mut end = start;
            let mut width = 0;
            let mut discardable = true;
            while end < line1 && has_column(&self.lines[end]) {
                let c = self.lines[end][column];
                width = width.max(c.width + PADDING);
                if c.width > 0 || c.htab {
                    discardable = false;
                }
                end += 1;
            }
            if discardable {
                width = 0;
            }
            self.widths.push(width);
            stack.push(Frame {
                line0: start,
                this: start,
                line1: end,
            });
        }
    }

    /// Writes lines `line0..line1` whose text starts at `buf[pos]`; returns the
    /// position after them.
    fn write_lines(&mut self, mut pos: usize, line0: usize, line1: usize) -> usize {
        for i in line0..line1 {
            let mut use_tabs = true; // leading empty cells indent with tabs
            for (j, c) in self.lines[i].iter().enumerate() {
                let column_width = self.widths.get(j).copied();
                if c.size == 0 {
                    if let Some(w) = column_width {
                        write_padding(&mut self.out, c.width, w, use_tabs);
                    }
                } else {
                    use_tabs = false;
                    self.out.extend_from_slice(&self.buf[pos..pos + c.size]);
                    pos += c.size;
                    if let Some(w) = column_width {
                        write_padding(&mut self.out, c.width, w, false);
                    }
                }
            }
            if i + 1 == self.lines.len() {
                // The line being filled has no line break yet: write what it has.
                let end = pos + self.cell.size;
                self.out.extend_from_slice(&self.buf[pos..end]);
                pos = end;
            } else {
                self.out.push(b'\n');
            }
        }
        pos
    }
}

fn write_padding(out: &mut Vec<u8>, text_width: usize, cell_width: usize, use_tabs: bool) {
    if use_tabs {
        let cell_width = cell_width.div_ceil(TAB_WIDTH) * TAB_WIDTH;
        let n = cell_width.saturating_sub(text_width);
        out.extend(std::iter::repeat_n(b'\t', n.div_ceil(TAB_WIDTH)));
    } else {
        out.extend(std::iter::repeat_n(
            b' ',
            cell_width.saturating_sub(text_width),
        ));
    }
}

/// Characters in `text` as Go's `utf8.RuneCount` counts them: the text is
/// UTF-8 apart from escape markers, and each marker counts as one.
fn rune_count(text: &[u8]) -> usize {
    text.iter().filter(|&&b| !(0x80..0xc0).contains(&b)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aligned(s: &str) -> String {
        String::from_utf8(align(s.as_bytes())).unwrap()
    }

    #[test]
    fn aligns_soft_tab_columns_of_consecutive_lines() {
        assert_eq!(aligned("a\x0b= 1\nlong\x0b= 2\n"), "a    = 1\nlong = 2\n");
    }

    #[test]
    fn formfeed_ends_the_column_block() {
        assert_eq!(aligned("a\x0b= 1\x0clong\x0b= 2\n"), "a = 1\nlong = 2\n");
    }

    #[test]
    fn leading_empty_cells_indent_with_tabs() {
        assert_eq!(
            aligned("\ta\x0b= 1\n\tlong\x0b= 2\n"),
            "\ta    = 1\n\tlong = 2\n"
        );
    }

    #[test]
    fn escaped_text_is_opaque_and_keeps_its_markers() {
        let out = align(b"a\t\xff// x\ty\xff\nbb\t\xff// z\xff\n");
        assert_eq!(out, b"a  \xff// x\ty\xff\nbb \xff// z\xff\n");
    }

    #[test]
    fn empty_soft_columns_are_discarded() {
        assert_eq!(aligned("\x0ba\n\x0bb\n"), "a\nb\n");
    }
}
