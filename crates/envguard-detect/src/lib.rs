//! envguard-detect
