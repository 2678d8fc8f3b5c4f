//! The `[tables]` and `[values]` of an environment, against what `tables!` and `values!`
//! declare: which file each table is read from, and each value's setting.

use std::path::PathBuf;

use messagefoundry_options::Setting;

use super::environment::{Environment, EnvironmentError, written};
use crate::tables::TableDef;
use crate::values::ValueDef;

/// What the interface declares beside its connections.
#[derive(Clone, Copy, Debug)]
pub struct Declared {
    /// Every table of `tables!`.
    pub tables: &'static [TableDef],
    /// Every value of `values!`.
    pub values: &'static [ValueDef],
}

impl Declared {
    /// What the binary declares, gathered at link time.
    pub fn linked() -> Declared {
        Declared {
            tables: &crate::__private::TABLES,
            values: &crate::__private::VALUES,
        }
    }
}

/// Where a table is read from.
#[derive(Clone, Debug)]
pub struct TableSetting {
    /// The table.
    pub def: &'static TableDef,
    /// The file the environment names; `None` for the crate's file, built in.
    pub file: Option<PathBuf>,
}

impl Environment {
    /// Each declared table's source. Errors: a name the interface does not declare, an entry
    /// that is not a path.
    pub fn tables(
        &self,
        declared: &'static [TableDef],
    ) -> (Vec<TableSetting>, Vec<EnvironmentError>) {
        let names: Vec<&str> = declared.iter().map(|d| d.name).collect();
        let mut errors = self.undeclared("table", &self.tables, &names);
        let mut settings = Vec::new();
        for def in declared {
            let file = match self.tables.get(def.name) {
                None => None,
                Some(toml::Value::String(path)) if !path.trim().is_empty() => {
                    Some(PathBuf::from(path))
                }
                Some(_) => {
                    errors.push(self.invalid(format!(
                        "[tables] {} must be the path of a CSV file",
                        def.name
                    )));
                    continue;
                }
            };
            settings.push(TableSetting { def, file });
        }
        (settings, errors)
    }

    /// Each declared value's setting: the environment's, else the default. Errors: a name
    /// the interface does not declare, a value of the wrong type, a value set nowhere.
    pub fn values(
        &self,
        declared: &'static [ValueDef],
    ) -> (Vec<(&'static ValueDef, Setting)>, Vec<EnvironmentError>) {
        let names: Vec<&str> = declared.iter().map(|d| d.name).collect();
        let mut errors = self.undeclared("value", &self.values, &names);
        let mut settings = Vec::new();
        for def in declared {
            let setting = match (self.values.get(def.name), &def.default) {
                (Some(given), _) => def
                    .kind
                    .check(def.name, &written(given))
                    .map_err(|e| self.invalid(format!("[values] {e}"))),
                (None, Some(default)) => Ok(default.clone()),
                (None, None) => Err(self.unset(def)),
            };
            match setting {
                Ok(s) => settings.push((def, s)),
                Err(e) => errors.push(e),
            }
        }
        (settings, errors)
    }

    /// An error for each name of the section that the interface does not declare.
    fn undeclared(
        &self,
        what: &str,
        section: &toml::Table,
        declared: &[&str],
    ) -> Vec<EnvironmentError> {
        section
            .keys()
            .filter(|name| !declared.contains(&name.as_str()))
            .map(|name| {
                let hint = messagefoundry_options::nearest(name, declared)
                    .map(|n| format!("; did you mean {n}?"))
                    .unwrap_or_default();
                self.invalid(format!(
                    "[{what}s] the interface has no {what} named {name}{hint}"
                ))
            })
            .collect()
    }

    fn unset(&self, def: &ValueDef) -> EnvironmentError {
        let kind = def.kind.word();
        match self.path {
            Some(_) => self.invalid(format!(
                "[values] {} is not set; it is {kind} and has no default",
                def.name
            )),
            None => EnvironmentError::Incomplete(format!(
                "value {} is not set: it has no default, so choose an environment (--env NAME) \
                 that sets it under [values]",
                def.name
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use messagefoundry_options::SettingType;

    use super::*;

    static TABLES: [TableDef; 1] = [TableDef {
        name: "point_of_care",
        file: "point_of_care.csv",
        columns: &["code", "downstream"],
        builtin: "code,downstream\n",
    }];

    static VALUES: [ValueDef; 3] = [
        ValueDef {
            name: "facility",
            kind: SettingType::Text,
            default: None,
        },
        ValueDef {
            name: "timeout",
            kind: SettingType::Duration,
            default: Some(Setting::Duration(Duration::from_secs(5))),
        },
        ValueDef {
            name: "retries",
            kind: SettingType::Integer,
            default: None,
        },
    ];

    fn env(text: &str) -> Environment {
        Environment::parse(text, PathBuf::from("environments/test.toml")).unwrap()
    }

    fn errors(e: &[EnvironmentError]) -> Vec<String> {
        e.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_table_is_the_crates_unless_the_environment_names_a_file() {
        let (s, e) = env("").tables(&TABLES);
        assert!(e.is_empty());
        assert_eq!(s[0].file, None);
        let (s, e) = env("[tables]\npoint_of_care = \"/etc/mf/poc.csv\"\n").tables(&TABLES);
        assert!(e.is_empty());
        assert_eq!(s[0].file, Some(PathBuf::from("/etc/mf/poc.csv")));
    }

    #[test]
    fn table_mistakes_are_named() {
        let (_, e) = env("[tables]\npoint_of_car = \"x.csv\"\n").tables(&TABLES);
        assert_eq!(
            errors(&e),
            [
                "environments/test.toml: [tables] the interface has no table named point_of_car; \
              did you mean point_of_care?"
            ]
        );
        let (_, e) = env("[tables]\npoint_of_care = 3\n").tables(&TABLES);
        assert_eq!(
            errors(&e),
            ["environments/test.toml: [tables] point_of_care must be the path of a CSV file"]
        );
    }

    #[test]
    fn values_come_from_the_environment_or_the_default() {
        let (s, e) = env("[values]\nfacility = \"GENHOSP\"\nretries = 4\n").values(&VALUES);
        assert!(e.is_empty(), "{:?}", errors(&e));
        let got: Vec<_> = s.iter().map(|(d, v)| (d.name, v.clone())).collect();
        assert_eq!(
            got,
            [
                ("facility", Setting::from("GENHOSP")),
                ("timeout", Setting::Duration(Duration::from_secs(5))),
                ("retries", Setting::Integer(4)),
            ]
        );
    }

    #[test]
    fn missing_extra_and_wrongly_typed_values_are_each_an_error() {
        let (_, e) = env("[values]\nfacilty = \"GENHOSP\"\nretries = \"four\"\n").values(&VALUES);
        assert_eq!(
            errors(&e),
            [
                "environments/test.toml: [values] the interface has no value named facilty; \
                 did you mean facility?",
                "environments/test.toml: [values] facility is not set; it is text and has no \
                 default",
                "environments/test.toml: [values] value retries is integer (a whole number)",
            ]
        );
        let (_, e) = Environment::default().values(&VALUES);
        assert_eq!(
            errors(&e)[0],
            "value facility is not set: it has no default, so choose an environment \
             (--env NAME) that sets it under [values]"
        );
    }

    #[test]
    fn sections_must_be_tables() {
        let e = Environment::parse("tables = 3\n", PathBuf::from("t.toml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.toml: [tables] must be a table: [tables] NAME = …"
        );
    }
}
