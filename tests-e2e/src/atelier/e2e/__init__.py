"""Black-box tests and benchmarks of the whole system."""
