//! envguard-extract
