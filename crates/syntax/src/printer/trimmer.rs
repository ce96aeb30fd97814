//! The last stage of the printer: drops trailing blanks and tabs from every
//! line, turns form feeds into newlines and removes the escape markers, while
//! escaped text passes through untouched.

use super::tabwriter::ESCAPE;

enum State {
    /// Collecting blanks and tabs that are written only if text follows.
    Space,
    /// Inside escaped text.
    Escape,
    /// Inside a run of text.
    Text,
}

pub(super) fn trim(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut state = State::Space;
    let mut space = Vec::new();
    let mut text_start = 0;
    for (off, &b) in input.iter().enumerate() {
        let b = if b == 0x0b { b'\t' } else { b };
        match state {
            State::Space => match b {
                b'\t' | b' ' => space.push(b),
                b'\n' | 0x0c => {
                    space.clear();
                    out.push(b'\n');
                }
                ESCAPE => {
                    out.append(&mut space);
                    state = State::Escape;
                    text_start = off + 1;
                }
                _ => {
                    out.append(&mut space);
                    state = State::Text;
                    text_start = off;
                }
            },
            State::Text => match b {
                b'\t' | b' ' => {
                    out.extend_from_slice(&input[text_start..off]);
                    state = State::Space;
                    space.push(b);
                }
                b'\n' | 0x0c => {
                    out.extend_from_slice(&input[text_start..off]);
                    state = State::Space;
                    out.push(b'\n');
                }
                ESCAPE => {
                    out.extend_from_slice(&input[text_start..off]);
                    state = State::Escape;
                    text_start = off + 1;
                }
                _ => {}
            },
            State::Escape => {
                if b == ESCAPE {
                    out.extend_from_slice(&input[text_start..off]);
                    state = State::Space;
                }
            }
        }
    }
    if !matches!(state, State::Space) {
        out.extend_from_slice(&input[text_start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_blanks_go_and_escaped_text_stays() {
        assert_eq!(trim(b"a  \t\nb\x0cc"), b"a\nb\nc");
        assert_eq!(trim(b"x \xff// a  \t\xff  \n"), b"x // a  \t\n");
        assert_eq!(trim(b"\t\n  "), b"\n");
    }
}
