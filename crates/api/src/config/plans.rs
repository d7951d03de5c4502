//! `[plans]`: how near a plan must be to show up for a resident, and the limits on what
//! caseworkers and residents send.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSettings {
    /// A plan is "near you" when its area is within this many metres of your home (0: only
    /// plans whose area contains your home). The same distance picks who gets a notice when a
    /// phase opens.
    pub nearby_meters: f64,
    /// Longest comment, in characters.
    pub max_comment_chars: usize,
    /// Most positions in one plan area or comment geometry.
    pub max_vertices: usize,
    /// Seconds public plan lists and details may be cached (`Cache-Control: max-age`).
    pub cache_seconds: u32,
}

impl PlanSettings {
    pub(crate) fn check(&self) -> Result<(), String> {
        if !(0.0..=20_000.0).contains(&self.nearby_meters) {
            return Err("plans.nearby_meters must be 0 to 20000".into());
        }
        if !(1..=20_000).contains(&self.max_comment_chars) {
            return Err("plans.max_comment_chars must be 1 to 20000".into());
        }
        if !(4..=100_000).contains(&self.max_vertices) {
            return Err("plans.max_vertices must be 4 to 100000".into());
        }
        Ok(())
    }

    /// The limits `minside-plans` validates with.
    pub fn limits(&self) -> minside_plans::Limits {
        minside_plans::Limits {
            max_vertices: self.max_vertices,
            max_comment_chars: self.max_comment_chars,
        }
    }
}
