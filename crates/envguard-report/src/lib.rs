//! envguard-report
