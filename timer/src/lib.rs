//! eddy-timer: the hierarchical timing wheel. Empty until the timers issue lands.
