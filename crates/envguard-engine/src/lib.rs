//! envguard-engine
