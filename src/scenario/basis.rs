//! `[[facts]]` and `[[assumptions]]`: what a scenario rests on. Each names the keys it sets
//! (`volumes.workspace.growth`, an array entry by its `name`), checked against the merged
//! scenario so that a label cannot point at nothing; growth keys that no label names are
//! listed as unlabelled, for the report to say so.

use super::schema::{AssumptionSpec, FactSpec, ScenarioSpec};
use crate::model::{Assumption, Basis, Fact};

/// Whether `key` names a value of the merged scenario: dotted, with an array of tables
/// entered by an entry's `name` (`volumes.workspace.growth`).
pub fn resolves(merged: &toml::Table, key: &str) -> bool {
    let mut here = toml::Value::Table(merged.clone());
    for part in key.split('.') {
        let next = match &here {
            toml::Value::Table(t) => t.get(part).cloned(),
            toml::Value::Array(a) => a
                .iter()
                .find(|e| e.get("name").and_then(|n| n.as_str()) == Some(part))
                .cloned(),
            _ => None,
        };
        match next {
            Some(v) => here = v,
            None => return false,
        }
    }
    true
}

/// Whether a label's key covers `key` (the key itself or a table above it).
fn covers(label: &str, key: &str) -> bool {
    key == label || key.starts_with(&format!("{label}."))
}

/// The growth keys of a scenario: the population's and every volume's.
fn growth_keys(spec: &ScenarioSpec) -> Vec<String> {
    let mut keys = Vec::new();
    if spec.population.growth.is_some() {
        keys.push("population.growth".to_string());
    }
    for v in &spec.volumes {
        if v.growth.is_some() {
            keys.push(format!("volumes.{}.growth", v.name));
        }
    }
    keys
}

/// The scenario's basis, and the problems of its labels as (key path, message).
pub fn basis(spec: &ScenarioSpec, merged: &toml::Table) -> (Basis, Vec<(String, String)>) {
    let mut problems = Vec::new();
    let mut check_keys = |what: &str, i: usize, keys: &[String]| {
        for (j, k) in keys.iter().enumerate() {
            if !resolves(merged, k) {
                problems.push((
                    format!("{what}[{i}].keys[{j}]"),
                    format!("{k:?} is not a key of the scenario (write e.g. \"population.growth\" or \"volumes.<name>.growth\")"),
                ));
            }
        }
    };
    for (i, f) in spec.facts.iter().enumerate() {
        check_keys("facts", i, &f.keys);
    }
    for (i, a) in spec.assumptions.iter().enumerate() {
        check_keys("assumptions", i, &a.keys);
    }
    let facts: Vec<Fact> = spec.facts.iter().map(fact).collect();
    let assumptions: Vec<Assumption> = spec.assumptions.iter().map(assumption).collect();
    let labelled: Vec<&str> = facts
        .iter()
        .flat_map(|f| f.keys.iter())
        .chain(assumptions.iter().flat_map(|a| a.keys.iter()))
        .map(String::as_str)
        .collect();
    let unlabelled = growth_keys(spec)
        .into_iter()
        .filter(|k| !labelled.iter().any(|l| covers(l, k)))
        .collect();
    (
        Basis {
            facts,
            assumptions,
            unlabelled,
        },
        problems,
    )
}

fn fact(f: &FactSpec) -> Fact {
    Fact {
        name: f.name.clone(),
        text: f.text.clone(),
        source: f.source.clone(),
        keys: f.keys.clone(),
    }
}

fn assumption(a: &AssumptionSpec) -> Assumption {
    Assumption {
        name: a.name.clone(),
        text: a.text.clone(),
        why: a.why.clone(),
        keys: a.keys.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_resolve_through_named_entries() {
        let merged: toml::Table = r#"
            [population]
            growth = { fixed = 1.0 }
            [[volumes]]
            name = "workspace"
            growth = { fixed = 0.5 }
        "#
        .parse()
        .unwrap();
        assert!(resolves(&merged, "population.growth"));
        assert!(resolves(&merged, "volumes.workspace.growth"));
        assert!(resolves(&merged, "volumes.workspace"));
        assert!(!resolves(&merged, "volumes.config.growth"));
        assert!(!resolves(&merged, "population.churn"));
        assert!(covers("volumes.workspace", "volumes.workspace.growth"));
        assert!(!covers("volumes.work", "volumes.workspace.growth"));
    }
}
