/work/main/executor/target/loom/debug/deps/scopeguard-970f0c0eec5b24e9.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeguard-1.2.0/src/lib.rs

/work/main/executor/target/loom/debug/deps/libscopeguard-970f0c0eec5b24e9.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeguard-1.2.0/src/lib.rs

/work/main/executor/target/loom/debug/deps/libscopeguard-970f0c0eec5b24e9.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeguard-1.2.0/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/scopeguard-1.2.0/src/lib.rs:
