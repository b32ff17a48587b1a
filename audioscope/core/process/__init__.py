"""Process machinery with no knowledge of audio: the fork/spawn worker pool, worker lifetimes,
cooperative cancellation, stop signals and the allocator setting."""
