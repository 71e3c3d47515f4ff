//! Writes the Rust code for a .proto file, with no protoc: protox parses and checks the
//! .proto into a `FileDescriptorSet`, tonic-prost-build generates prost messages and
//! tonic's client and server from it (without tonic's `transport`, so that the code does
//! not name tokio's Channel).
//!
//! ```text
//! eddy-grpc-regen PROTO INCLUDE_DIR OUT_DIR
//! ```
//!
//! The output is one file per protobuf package, `OUT_DIR/<package>.rs`, unformatted:
//! scripts/regen-grpc.sh runs this, then rustfmt.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [proto, include, out] = args.as_slice() else {
        eprintln!("usage: eddy-grpc-regen PROTO INCLUDE_DIR OUT_DIR");
        return ExitCode::from(2);
    };
    let descriptors = match protox::compile([proto], [include]) {
        Ok(descriptors) => descriptors,
        Err(err) => {
            eprintln!("cannot compile {}: {err:?}", proto.display());
            return ExitCode::FAILURE;
        }
    };
    let generated = tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .build_transport(false)
        .emit_rerun_if_changed(false)
        .out_dir(out)
        .compile_fds(descriptors);
    if let Err(err) = generated {
        eprintln!("cannot generate code into {}: {err}", out.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
