"""Pure polars transforms: no I/O, no Prefect. Everything here takes frames and typed
parameters and returns frames or expressions."""
