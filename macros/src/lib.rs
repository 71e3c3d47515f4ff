//! eddy-macros: `#[eddy::main]` and `#[eddy::test]`. Empty until the toolbox issue lands.
