//! File name templates of a file outbound: `"{MSH-10}.hl7"`, `"{MSH-7}_{seq}.hl7"`.
//!
//! Text is copied; `{…}` is a placeholder: `seq` (the message's place in its outbound's queue,
//! unique and the same on every attempt) or an HL7 path, whose value is put in the name. The
//! macros check each path against the schema; here only the shape is checked.

/// One piece of a template.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Piece<'a> {
    /// Text copied as it is.
    Text(&'a str),
    /// `{seq}`.
    Seq,
    /// `{MSH-10}`: the value at an HL7 path (the text between the braces, not yet parsed).
    Path(&'a str),
}

/// Splits a template into its pieces, or says what is wrong with it. The byte offset of each
/// placeholder's text is given with it, so an error can point at it.
pub fn name_template(template: &str) -> Result<Vec<(usize, Piece<'_>)>, String> {
    if template.trim().is_empty() {
        return Err("a file name template must not be empty".to_owned());
    }
    let mut pieces = Vec::new();
    let mut rest = template;
    let mut at = 0;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            Some(i) if rest.as_bytes()[i] == b'}' => {
                return Err(format!("`}}` at byte {} closes no `{{`", at + i));
            }
            Some(i) => {
                if i > 0 {
                    pieces.push((at, text(&rest[..i])?));
                }
                let inner_start = i + 1;
                let Some(len) = rest[inner_start..].find('}') else {
                    return Err(format!("`{{` at byte {} is not closed", at + i));
                };
                let inner = &rest[inner_start..inner_start + len];
                if inner.is_empty() || inner.contains('{') {
                    return Err(format!(
                        "placeholder at byte {} is empty or nested; write `{{seq}}` or an HL7 path such as `{{MSH-10}}`",
                        at + i
                    ));
                }
                let piece = if inner == "seq" {
                    Piece::Seq
                } else {
                    Piece::Path(inner)
                };
                pieces.push((at + inner_start, piece));
                at += inner_start + len + 1;
                rest = &rest[inner_start + len + 1..];
            }
            None => {
                pieces.push((at, text(rest)?));
                rest = "";
            }
        }
    }
    if !pieces.iter().any(|(_, p)| !matches!(p, Piece::Text(_))) {
        return Err(
            "a file name template needs a placeholder, `{seq}` or an HL7 path such as `{MSH-10}`, so that each message gets its own file"
                .to_owned(),
        );
    }
    Ok(pieces)
}

/// Literal text of a name: no folder separators, so a file stays in its folder.
fn text(s: &str) -> Result<Piece<'_>, String> {
    if s.contains(['/', '\\']) || s.contains('\0') {
        return Err("a file name template names a file in the folder: no `/` or `\\`".to_owned());
    }
    Ok(Piece::Text(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_pieces() {
        assert_eq!(
            name_template("{MSH-10}.hl7").unwrap(),
            vec![(1, Piece::Path("MSH-10")), (8, Piece::Text(".hl7"))]
        );
        assert_eq!(
            name_template("lab_{seq}").unwrap(),
            vec![(0, Piece::Text("lab_")), (5, Piece::Seq)]
        );
        assert!(
            name_template("x.hl7")
                .unwrap_err()
                .contains("needs a placeholder")
        );
        assert!(name_template("{MSH-10").unwrap_err().contains("not closed"));
        assert!(name_template("a}").unwrap_err().contains("closes no"));
        assert!(name_template("{}").unwrap_err().contains("empty"));
        assert!(name_template("out/{seq}").unwrap_err().contains("no `/`"));
    }
}
