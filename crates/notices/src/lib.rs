//! Proactive life-phase notices: rules, the audience language and the evaluation engine.
#![forbid(unsafe_code)]
