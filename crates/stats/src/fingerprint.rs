//! A stable SHA-256 over a dataset's normalised content.
//!
//! Two documents that say the same thing get the same fingerprint, whatever their representation:
//! member order, category index as array or object, dense or sparse values, a status given once
//! or per cell. Everything the parser keeps is hashed, each field length-prefixed and tagged so
//! that no two different datasets can produce the same byte stream.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{Dataset, Unit};

/// Bumped whenever the hashed form changes, so old and new fingerprints never collide.
const VERSION: &str = "minside-stats fingerprint v1";

struct Hasher(Sha256);

impl Hasher {
    fn bytes(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn count(&mut self, n: usize) {
        self.0.update((n as u64).to_le_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.0.update([0]),
            Some(s) => {
                self.0.update([1]);
                self.str(s);
            }
        }
    }

    fn number(&mut self, value: f64) {
        // -0.0 and 0.0 are the same figure.
        let value = if value == 0.0 { 0.0 } else { value };
        self.0.update(value.to_bits().to_le_bytes());
    }

    /// Canonical JSON: object members sorted by key, numbers by their value.
    fn json(&mut self, value: &Value) {
        match value {
            Value::Null => self.0.update([b'n']),
            Value::Bool(b) => self.0.update([b'b', u8::from(*b)]),
            Value::Number(n) => {
                self.0.update([b'#']);
                match n.as_f64() {
                    Some(f) => self.number(f),
                    None => self.str(&n.to_string()),
                }
            }
            Value::String(s) => {
                self.0.update([b's']);
                self.str(s);
            }
            Value::Array(items) => {
                self.0.update([b'[']);
                self.count(items.len());
                items.iter().for_each(|item| self.json(item));
            }
            Value::Object(members) => {
                self.0.update([b'{']);
                self.count(members.len());
                let mut sorted: Vec<_> = members.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(b.0));
                for (key, item) in sorted {
                    self.str(key);
                    self.json(item);
                }
            }
        }
    }

    fn unit(&mut self, unit: Option<&Unit>) {
        match unit {
            None => self.0.update([0]),
            Some(unit) => {
                self.0.update([1]);
                self.json(&unit.raw);
            }
        }
    }

    fn strings(&mut self, list: &[String]) {
        self.count(list.len());
        list.iter().for_each(|s| self.str(s));
    }
}

impl Dataset {
    /// A SHA-256 (lowercase hex) over the normalised content, stable across releases of this
    /// crate and independent of how the JSON was written, for detecting re-imports.
    pub fn fingerprint(&self) -> String {
        let mut h = Hasher(Sha256::new());
        h.str(VERSION);
        h.opt_str(self.label());
        h.opt_str(self.source());
        h.opt_str(self.updated());
        h.count(self.dimensions.len());
        for dimension in &self.dimensions {
            h.str(&dimension.id);
            h.opt_str(dimension.label.as_deref());
            h.count(dimension.categories.len());
            for category in &dimension.categories {
                h.str(&category.id);
                h.opt_str(category.label.as_deref());
                h.unit(category.unit.as_ref());
            }
            h.count(dimension.extra.len());
            for (key, value) in &dimension.extra {
                h.str(key);
                h.json(value);
            }
        }
        h.strings(&self.roles.time);
        h.strings(&self.roles.geo);
        h.strings(&self.roles.metric);
        h.count(self.values.len());
        for (index, value) in self.values.iter().enumerate() {
            match value {
                None => h.0.update([0]),
                Some(v) => {
                    h.0.update([1]);
                    h.number(*v);
                }
            }
            let status = self
                .statuses
                .cells
                .get(&index)
                .or(self.statuses.all.as_ref());
            h.opt_str(status.map(String::as_str));
        }
        match &self.extension {
            None => h.0.update([0]),
            Some(extension) => {
                h.0.update([1]);
                h.json(extension);
            }
        }
        h.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}
