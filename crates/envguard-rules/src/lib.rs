//! envguard-rules
