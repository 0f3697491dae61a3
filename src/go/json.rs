//! `encoding/json`'s `Marshal` and `MarshalIndent(v, "", "  ")` for values serde writes the
//! way Go's structs are laid out: serde_json's output with Go's HTML-safe escapes of `<`, `>`,
//! `&`, U+2028 and U+2029 (its other string escapes and its indentation are Go's already).

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// `json.Marshal`.
pub(crate) fn marshal<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    write(value, GoFormatter(CompactFormatter))
}

/// `json.MarshalIndent(v, "", "  ")`.
pub(crate) fn marshal_indent<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    write(value, GoFormatter(PrettyFormatter::with_indent(b"  ")))
}

fn write<T: Serialize + ?Sized, F: Formatter>(value: &T, formatter: F) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // The values are plain structs with string keys, written into a Vec: this cannot fail.
    value.serialize(&mut ser).expect("serialises as JSON");
    out
}

/// serde_json's layout of the formatter it wraps, with Go's string escapes.
struct GoFormatter<F>(F);

impl<F: Formatter> Formatter for GoFormatter<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, ch) in fragment.char_indices() {
            let esc = match ch {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(esc.as_bytes())?;
            start = i + ch.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_indents_like_go() {
        let value =
            serde_json::json!({"a": ["x < y && z > w\u{2028}", {}], "b": [], "c": {"d": null}});
        assert_eq!(
            String::from_utf8(marshal(&value)).unwrap(),
            r#"{"a":["x \u003c y \u0026\u0026 z \u003e w\u2028",{}],"b":[],"c":{"d":null}}"#
        );
        // What Go 1.26's MarshalIndent writes for the same value.
        assert_eq!(
            String::from_utf8(marshal_indent(&value)).unwrap(),
            "{\n  \"a\": [\n    \"x \\u003c y \\u0026\\u0026 z \\u003e w\\u2028\",\n    {}\n  ],\n  \"b\": [],\n  \"c\": {\n    \"d\": null\n  }\n}"
        );
    }
}
