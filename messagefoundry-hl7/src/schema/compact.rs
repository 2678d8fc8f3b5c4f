//! Short `const` constructors the generated tables are written with, so that each field,
//! component or table value fits on one line of `generated/*.rs`.
//!
//! Absent values are spelled compactly here: `""` for no data type or table, `' '` for unknown
//! optionality, `0` for unknown length and `-1` for unbounded repetition.

// With no version feature enabled there are no tables to build.
#![cfg_attr(
    not(any(
        feature = "v2_1",
        feature = "v2_2",
        feature = "v2_3",
        feature = "v2_3_1",
        feature = "v2_4",
        feature = "v2_5",
        feature = "v2_5_1",
        feature = "v2_6",
        feature = "v2_7",
        feature = "v2_8",
        feature = "v2_8_1",
        feature = "v2_8_2"
    )),
    allow(dead_code)
)]

use super::model::{
    Cardinality, Component, DataType, Event, Field, Group, Node, Optionality, SegmentDef,
    Structure, Table, TableValue,
};

const fn text(s: &'static str) -> Option<&'static str> {
    if s.is_empty() { None } else { Some(s) }
}

const fn optionality(code: char) -> Option<Optionality> {
    match code {
        'R' => Some(Optionality::Required),
        'O' => Some(Optionality::Optional),
        'C' => Some(Optionality::Conditional),
        'B' => Some(Optionality::BackwardCompatible),
        'W' => Some(Optionality::Withdrawn),
        _ => None,
    }
}

const fn length(n: u32) -> Option<u32> {
    if n == 0 { None } else { Some(n) }
}

const fn card(min: u16, max: i32) -> Cardinality {
    Cardinality {
        min,
        max: if max < 0 { None } else { Some(max as u16) },
    }
}

/// A standard segment.
pub(crate) const fn seg(
    id: &'static str,
    name: &'static str,
    withdrawn: bool,
    fields: &'static [Field],
) -> SegmentDef {
    SegmentDef {
        id,
        name: text(name),
        fields,
        withdrawn,
        custom: false,
    }
}

/// A field: name, data type, optionality, min, max, length, table, withdrawn.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn f(
    name: &'static str,
    data_type: &'static str,
    opt: char,
    min: u16,
    max: i32,
    len: u32,
    table: &'static str,
    withdrawn: bool,
) -> Field {
    Field {
        name,
        data_type: text(data_type),
        optionality: optionality(opt),
        repetitions: card(min, max),
        length: length(len),
        table: text(table),
        withdrawn,
    }
}

/// A composite data type.
pub(crate) const fn dt(
    code: &'static str,
    name: &'static str,
    components: &'static [Component],
) -> DataType {
    DataType {
        code,
        name: text(name),
        components,
        varies: false,
    }
}

/// A primitive data type (`varies` when `varies` is true).
pub(crate) const fn prim(code: &'static str, name: &'static str, varies: bool) -> DataType {
    DataType {
        code,
        name: text(name),
        components: &[],
        varies,
    }
}

/// A component: name, data type, optionality, length, table, withdrawn.
pub(crate) const fn c(
    name: &'static str,
    data_type: &'static str,
    opt: char,
    len: u32,
    table: &'static str,
    withdrawn: bool,
) -> Component {
    Component {
        name,
        data_type: text(data_type),
        optionality: optionality(opt),
        length: length(len),
        table: text(table),
        withdrawn,
    }
}

/// A message structure.
pub(crate) const fn st(id: &'static str, nodes: &'static [Node]) -> Structure {
    Structure { id, nodes }
}

/// A segment in a structure; `"*"` is any segment.
pub(crate) const fn s(id: &'static str, min: u16, max: i32) -> Node {
    let cardinality = card(min, max);
    if id.len() == 1 {
        Node::AnySegment { cardinality }
    } else {
        Node::Segment { id, cardinality }
    }
}

/// A group in a structure.
pub(crate) const fn g(
    name: &'static str,
    min: u16,
    max: i32,
    choice: bool,
    children: &'static [Node],
) -> Node {
    Node::Group(Group {
        name,
        cardinality: card(min, max),
        choice,
        children,
    })
}

/// An entry of the event map.
pub(crate) const fn e(
    message_code: &'static str,
    trigger_event: &'static str,
    structure: &'static str,
) -> Event {
    Event {
        message_code,
        trigger_event,
        structure,
    }
}

/// A code table.
pub(crate) const fn t(
    id: &'static str,
    name: &'static str,
    values: &'static [TableValue],
) -> Table {
    Table {
        id,
        name: text(name),
        values,
    }
}

/// A table value; `""` is no description.
pub(crate) const fn v(code: &'static str, description: &'static str) -> TableValue {
    TableValue {
        code,
        description: text(description),
    }
}
