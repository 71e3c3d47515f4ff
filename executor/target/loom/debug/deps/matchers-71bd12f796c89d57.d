/work/main/executor/target/loom/debug/deps/matchers-71bd12f796c89d57.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/matchers-0.2.0/src/lib.rs

/work/main/executor/target/loom/debug/deps/libmatchers-71bd12f796c89d57.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/matchers-0.2.0/src/lib.rs

/work/main/executor/target/loom/debug/deps/libmatchers-71bd12f796c89d57.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/matchers-0.2.0/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/matchers-0.2.0/src/lib.rs:
