//! Checks a JSON answer against the schema the admin server's OpenAPI description gives for
//! it, so the description cannot drift from what the API returns. It reads the part of JSON
//! Schema the description uses: `$ref`, `type`, `oneOf`, `enum`, `const`, `required`,
//! `properties` (an answer's property the description does not name is an error) and `items`.

use serde_json::Value;

/// The schema of a route's 200 answer: `paths[path][method].responses["200"]`.
pub fn answer_schema<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    let schema =
        &doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"];
    assert!(!schema.is_null(), "no JSON 200 answer for {method} {path}");
    schema
}

/// Every way `value` differs from `schema`, with where (`$.0.info.control_id`).
pub fn check(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    walk(doc, schema, value, "$", &mut problems);
    problems
}

fn walk(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return walk(
            doc,
            &doc["components"]["schemas"][name],
            value,
            at,
            problems,
        );
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let fitting = options
            .iter()
            .filter(|o| check_at(doc, o, value, at).is_empty())
            .count();
        if fitting != 1 {
            problems.push(format!(
                "{at}: fits {fitting} of oneOf, not exactly one: {value}"
            ));
        }
        return;
    }
    if let Some(kind) = schema["type"].as_str()
        && !is_type(kind, value)
    {
        return problems.push(format!("{at}: expected {kind}, got {value}"));
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        problems.push(format!("{at}: {value} is not {constant}"));
    }
    if let (Some(object), Some(properties)) = (value.as_object(), schema["properties"].as_object())
    {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                problems.push(format!("{at}: {name} is required"));
            }
        }
        for (name, field) in object {
            match properties.get(name) {
                Some(s) => walk(doc, s, field, &format!("{at}.{name}"), problems),
                None => problems.push(format!("{at}.{name}: not in the description")),
            }
        }
    }
    if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
        for (n, item) in items.iter().enumerate() {
            walk(doc, schema, item, &format!("{at}.{n}"), problems);
        }
    }
}

fn check_at(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut problems = Vec::new();
    walk(doc, schema, value, at, &mut problems);
    problems
}

fn is_type(kind: &str, value: &Value) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_u64() || value.is_i64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_value_off_the_schema_is_reported_where_it_is() {
        let doc = json!({"components": {"schemas": {"K": {
            "type": "object", "required": ["a"],
            "properties": {"a": {"type": "integer"}, "b": {"oneOf": [{"type": "string"}, {"type": "null"}]}}
        }}}});
        let schema = json!({"type": "array", "items": {"$ref": "#/components/schemas/K"}});
        assert!(
            check(
                &doc,
                &schema,
                &json!([{"a": 1, "b": null}, {"a": 2, "b": "x"}])
            )
            .is_empty()
        );
        assert_eq!(
            check(&doc, &schema, &json!([{"b": 3, "c": 1}])),
            [
                "$.0: a is required",
                "$.0.b: fits 0 of oneOf, not exactly one: 3",
                "$.0.c: not in the description"
            ]
        );
    }
}
