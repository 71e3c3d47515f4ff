/work/main/executor/target/loom/debug/deps/eddy_executor-93f35efb8387ff28.d: executor/src/lib.rs executor/src/block_on.rs executor/src/coop.rs executor/src/loom.rs executor/src/park.rs executor/src/scheduler/mod.rs executor/src/scheduler/builder.rs executor/src/scheduler/context.rs executor/src/scheduler/executor.rs executor/src/scheduler/idle.rs executor/src/scheduler/queue_loom.rs executor/src/scheduler/shared.rs executor/src/scheduler/worker.rs executor/src/task/mod.rs executor/src/task/core.rs executor/src/task/error.rs executor/src/task/harness.rs executor/src/task/id.rs executor/src/task/join.rs executor/src/task/list.rs executor/src/task/raw.rs executor/src/task/state.rs executor/src/task/waker.rs executor/src/task/yield_now.rs

/work/main/executor/target/loom/debug/deps/libeddy_executor-93f35efb8387ff28.rlib: executor/src/lib.rs executor/src/block_on.rs executor/src/coop.rs executor/src/loom.rs executor/src/park.rs executor/src/scheduler/mod.rs executor/src/scheduler/builder.rs executor/src/scheduler/context.rs executor/src/scheduler/executor.rs executor/src/scheduler/idle.rs executor/src/scheduler/queue_loom.rs executor/src/scheduler/shared.rs executor/src/scheduler/worker.rs executor/src/task/mod.rs executor/src/task/core.rs executor/src/task/error.rs executor/src/task/harness.rs executor/src/task/id.rs executor/src/task/join.rs executor/src/task/list.rs executor/src/task/raw.rs executor/src/task/state.rs executor/src/task/waker.rs executor/src/task/yield_now.rs

/work/main/executor/target/loom/debug/deps/libeddy_executor-93f35efb8387ff28.rmeta: executor/src/lib.rs executor/src/block_on.rs executor/src/coop.rs executor/src/loom.rs executor/src/park.rs executor/src/scheduler/mod.rs executor/src/scheduler/builder.rs executor/src/scheduler/context.rs executor/src/scheduler/executor.rs executor/src/scheduler/idle.rs executor/src/scheduler/queue_loom.rs executor/src/scheduler/shared.rs executor/src/scheduler/worker.rs executor/src/task/mod.rs executor/src/task/core.rs executor/src/task/error.rs executor/src/task/harness.rs executor/src/task/id.rs executor/src/task/join.rs executor/src/task/list.rs executor/src/task/raw.rs executor/src/task/state.rs executor/src/task/waker.rs executor/src/task/yield_now.rs

executor/src/lib.rs:
executor/src/block_on.rs:
executor/src/coop.rs:
executor/src/loom.rs:
executor/src/park.rs:
executor/src/scheduler/mod.rs:
executor/src/scheduler/builder.rs:
executor/src/scheduler/context.rs:
executor/src/scheduler/executor.rs:
executor/src/scheduler/idle.rs:
executor/src/scheduler/queue_loom.rs:
executor/src/scheduler/shared.rs:
executor/src/scheduler/worker.rs:
executor/src/task/mod.rs:
executor/src/task/core.rs:
executor/src/task/error.rs:
executor/src/task/harness.rs:
executor/src/task/id.rs:
executor/src/task/join.rs:
executor/src/task/list.rs:
executor/src/task/raw.rs:
executor/src/task/state.rs:
executor/src/task/waker.rs:
executor/src/task/yield_now.rs:
